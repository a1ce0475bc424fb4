import { mergeDatasets } from '@tessera/core';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { PLUGIN_OPTION, loadPlugins, loadRequiredPlugins, parsePluginSpecifier } from '../load-plugins.js';
import { checkReadableFile, resolveFileArgument } from '../open-dataset-file.js';
import { UsageError } from '../usage-error.js';

export const mergeCommand = defineCommand({
  name: 'merge',
  summary: 'combine shards of one dataset into one .beton file, without re-encoding',
  positionalNames: ['OUT.beton', 'SHARD.beton...'],
  description: [
    'Writes OUT.beton with the samples of every SHARD, in the order given (shard 0 first: `tessera build',
    '... --shard I --of N` writes shards whose concatenation is the unsharded input order). The shards',
    'must share their schema, plugin versions and page size (E_MERGE_MISMATCH names what differs).',
    'Data pages are copied as they are, each checked against its CRC-32 on the way; only the metadata',
    'pointers and the allocation table are rewritten, so OUT.beton verifies like any written file.',
    'OUT.beton appears complete or not at all (an existing one is replaced only on success).',
    '',
    'Exit codes: 0 merged, 1 a shard cannot be read, is damaged or does not match, 2 bad command line.',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const [outputArgument, ...shardArguments] = positionals as [string, ...string[]];
    if (shardArguments.length === 0) throw new UsageError('tessera merge needs OUT.beton and at least one SHARD.beton', 'merge');
    const output = resolveFileArgument(outputArgument, context);
    const shards = shardArguments.map((shard) => resolveFileArgument(shard, context));
    if (shards.includes(output)) throw new UsageError(`OUT.beton ${outputArgument} is also one of the shards; write the merge to another path`, 'merge');
    for (const text of options.plugin) parsePluginSpecifier(text, 'merge');
    for (const shard of shards) checkReadableFile(shard);
    // Opening a shard resolves its fields' codecs (nothing is decoded): the plugins the shards name, as for inspect.
    const plugins = await loadPlugins(options.plugin, context.cwd, 'merge');
    plugins.push(...(await loadRequiredPlugins(shards[0]!, plugins, context.cwd)));
    const summary = await mergeDatasets(output, shards, { plugins });
    const seconds = summary.elapsedMs / 1000;
    if (options.json) context.stdout.write(`${stringifyJson({ ...summary, megabytesPerSecond: summary.pageBytesCopied / 1e6 / seconds })}\n`);
    else {
      context.stdout.write(
        `${output}: ${summary.numSamples} samples from ${summary.inputs} shard${summary.inputs === 1 ? '' : 's'}, ${summary.numPages} pages (${formatByteLength(summary.pageBytesCopied)} copied) in ${seconds.toFixed(2)} s\n`,
      );
    }
    return EXIT_CODE.SUCCESS;
  },
});
