import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { chooseOutput } from '../output-argument.js';
import { UsageError } from '../usage-error.js';
import { VIDEO_BUILD_NOTES, VIDEO_BUILD_OPTIONS, runVideoBuild } from './build-video-options.js';

const COMMAND = 'build video-folder';

/**
 * `tessera build video-folder DIR [OUT.beton] [-o OUT.beton]`: a video folder (one subfolder per
 * class) into a classification dataset (`video`, `label`). Loads @tessera/video only when run.
 */
export const buildVideoFolderCommand = defineCommand({
  name: COMMAND,
  summary: 'a video folder (one subfolder per class) into a .beton file',
  positionalNames: ['DIR', '[OUT.beton]'],
  description: [
    'tessera build video-folder reads DIR/<class>/**/<video> (classes sorted by name, labels 0, 1, …)',
    'and writes OUT.beton with fields video (--field: compressed or frames) and label (int64). Other',
    'files (notes.txt, .DS_Store, files directly in DIR) are left out and counted. The output is the',
    'last argument or -o OUT.beton. --field flow needs a manifest (its "flow" column): tessera build video.',
    ...VIDEO_BUILD_NOTES,
  ].join('\n'),
  options: VIDEO_BUILD_OPTIONS,
  async run({ options, positionals }, context) {
    const [folder, positionalOutput] = positionals as [string, string | undefined];
    if (options.field === 'flow') throw new UsageError('--field flow reads each video\'s flow from a manifest\'s "flow" column (.npy files): use tessera build video --manifest FILE', COMMAND);
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: 'DIR' });
    return runVideoBuild({ folder: resolve(context.cwd, folder) }, resolve(context.cwd, output), options, context, COMMAND);
  },
});
