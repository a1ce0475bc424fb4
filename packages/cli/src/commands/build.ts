import type { Command } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatTextTable } from '../text-table.js';
import { UsageError } from '../usage-error.js';
import { buildAudioCommand } from './build-audio.js';
import { buildAudioFolderCommand } from './build-audio-folder.js';
import { buildImageFolderCommand } from './build-image-folder.js';
import { buildTableCommand } from './build-table.js';
import { buildTextCommand } from './build-text.js';
import { buildVideoCommand } from './build-video.js';
import { buildVideoFolderCommand } from './build-video-folder.js';

/** What `tessera build` can build: `tessera build KIND ...` runs the command for KIND with the rest of the arguments. */
const KINDS: Readonly<Record<string, Command>> = {
  text: buildTextCommand,
  'image-folder': buildImageFolderCommand,
  table: buildTableCommand,
  'audio-folder': buildAudioFolderCommand,
  audio: buildAudioCommand,
  'video-folder': buildVideoFolderCommand,
  video: buildVideoCommand,
};

const KINDS_TEXT = [
  'Kinds:',
  formatTextTable(Object.entries(KINDS).map(([kind, command]) => [`  ${kind}`, command.summary])),
  '',
  'Each kind comes from its plugin package, loaded when the command runs (@tessera/text,',
  '@tessera/image, @tessera/audio, @tessera/video; table loads them only for the fields it',
  'needs). Run `tessera build KIND --help` for the arguments and options of a kind.',
].join('\n');

const BUILD_HELP = ['Usage: tessera build KIND ... [options]', '', 'Build a .beton file from source files.', '', KINDS_TEXT, ''].join('\n');

/** `tessera build KIND ...`: dispatches to the command of KIND. */
export const buildCommand: Command = {
  name: 'build',
  summary: `build a .beton file from source files: ${Object.keys(KINDS).join(', ')} (tessera build KIND --help)`,
  positionalNames: ['KIND', '...'],
  description: KINDS_TEXT,
  options: {},
  async execute(argv, context) {
    const [kind, ...rest] = argv;
    if (kind === '--help' || kind === '-h') {
      context.stdout.write(BUILD_HELP);
      return EXIT_CODE.SUCCESS;
    }
    if (kind === undefined) throw new UsageError(`tessera build needs a KIND: ${Object.keys(KINDS).join(', ')}`, 'build');
    const command = Object.hasOwn(KINDS, kind) ? KINDS[kind] : undefined;
    if (command === undefined) throw new UsageError(`tessera build cannot build "${kind}"; the kinds are ${Object.keys(KINDS).join(', ')}`, 'build');
    return command.execute(rest, context);
  },
};
