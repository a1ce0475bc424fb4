import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { chooseOutput } from '../output-argument.js';
import { UsageError } from '../usage-error.js';
import { AUDIO_BUILD_NOTES, AUDIO_BUILD_OPTIONS, runAudioBuild } from './build-audio-options.js';

const COMMAND = 'build audio';

/**
 * `tessera build audio --manifest FILE.jsonl|csv [OUT.beton] [-o OUT.beton]`: the clips a manifest
 * names into a dataset (`audio`, and `label`, `text`, `speaker` when the rows have them).
 */
export const buildAudioCommand = defineCommand({
  name: COMMAND,
  summary: 'audio clips listed in a manifest (.jsonl or .csv: path, start, end, text, label, speaker)',
  positionalNames: ['[OUT.beton]'],
  description: [
    'tessera build audio --manifest FILE reads a manifest in the lhotse / Hugging Face shape — .jsonl (one',
    'object per line) or .csv (a header row) with columns path (relative to the manifest\'s folder),',
    'optional start and end (seconds: a crop), text or transcript, label (an integer, or a class name:',
    'names are sorted and numbered), speaker; duration and other columns are ignored — and writes',
    'OUT.beton with fields audio (--field), and label (int64), text and speaker (JSON strings) when the',
    'rows have them. The output is the last argument or -o OUT.beton.',
    ...AUDIO_BUILD_NOTES,
  ].join('\n'),
  options: {
    manifest: { type: 'string', valueName: 'FILE', description: 'the manifest: a .jsonl or .csv file (required)' },
    ...AUDIO_BUILD_OPTIONS,
  },
  async run({ options, positionals }, context) {
    if (options.manifest === undefined || options.manifest === '') throw new UsageError('tessera build audio needs --manifest FILE (a .jsonl or .csv file)', COMMAND);
    const [positionalOutput] = positionals as [string | undefined];
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: '--manifest FILE' });
    return runAudioBuild({ manifest: resolve(context.cwd, options.manifest) }, resolve(context.cwd, output), options, context, COMMAND);
  },
});
