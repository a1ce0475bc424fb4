import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { chooseOutput } from '../output-argument.js';
import { AUDIO_BUILD_NOTES, AUDIO_BUILD_OPTIONS, runAudioBuild } from './build-audio-options.js';

const COMMAND = 'build audio-folder';

/**
 * `tessera build audio-folder DIR [OUT.beton] [-o OUT.beton]`: an audio folder (one subfolder per
 * class) into a classification dataset (`audio`, `label`). Loads @tessera/audio only when run.
 */
export const buildAudioFolderCommand = defineCommand({
  name: COMMAND,
  summary: 'an audio folder (one subfolder per class) into a .beton file',
  positionalNames: ['DIR', '[OUT.beton]'],
  description: [
    'tessera build audio-folder reads DIR/<class>/**/<audio file> (classes sorted by name, labels 0, 1, …)',
    'and writes OUT.beton with fields audio (--field: waveform PCM, flac, opus, mp3, or logmel features',
    'computed at write time) and label (int64). Other files (notes.txt, .DS_Store, files directly in DIR)',
    'are left out and counted. The output is the last argument or -o OUT.beton.',
    ...AUDIO_BUILD_NOTES,
  ].join('\n'),
  options: AUDIO_BUILD_OPTIONS,
  async run({ options, positionals }, context) {
    const [folder, positionalOutput] = positionals as [string, string | undefined];
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: 'DIR' });
    return runAudioBuild({ folder: resolve(context.cwd, folder) }, resolve(context.cwd, output), options, context, COMMAND);
  },
});
