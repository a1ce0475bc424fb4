import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { chooseOutput } from '../output-argument.js';
import { UsageError } from '../usage-error.js';
import { VIDEO_BUILD_NOTES, VIDEO_BUILD_OPTIONS, runVideoBuild } from './build-video-options.js';

const COMMAND = 'build video';

/**
 * `tessera build video --manifest FILE.jsonl|csv [OUT.beton] [-o OUT.beton]`: the videos a manifest
 * names into a dataset (`video`, and `label`, `caption` when the rows have them; `flow` with --field flow).
 */
export const buildVideoCommand = defineCommand({
  name: COMMAND,
  summary: 'videos listed in a manifest (.jsonl or .csv: path, start, end, label, caption, flow)',
  positionalNames: ['[OUT.beton]'],
  description: [
    'tessera build video --manifest FILE reads a manifest — .jsonl (one object per line) or .csv (a',
    'header row) with columns path (relative to the manifest\'s folder), optional start and end',
    '(seconds: the range kept, from the keyframe at or before start), label (an integer, or a class',
    'name: names are sorted and numbered), caption (or text), flow (a .npy file, for --field flow);',
    'other columns are ignored — and writes OUT.beton with fields video (--field), and label (int64)',
    'and caption (JSON strings) when the rows have them. The output is the last argument or -o OUT.beton.',
    ...VIDEO_BUILD_NOTES,
  ].join('\n'),
  options: {
    manifest: { type: 'string', valueName: 'FILE', description: 'the manifest: a .jsonl or .csv file (required)' },
    ...VIDEO_BUILD_OPTIONS,
  },
  async run({ options, positionals }, context) {
    if (options.manifest === undefined || options.manifest === '') throw new UsageError('tessera build video needs --manifest FILE (a .jsonl or .csv file)', COMMAND);
    const [positionalOutput] = positionals as [string | undefined];
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: '--manifest FILE' });
    return runVideoBuild({ manifest: resolve(context.cwd, options.manifest) }, resolve(context.cwd, output), options, context, COMMAND);
  },
});
