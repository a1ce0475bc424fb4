import { basename, resolve } from 'node:path';
import { createBuildProgress } from '../build-progress.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { type ImageFolderSummary, importImagePackage } from '../load-image-package.js';
import { OUTPUT_OPTION, chooseOutput } from '../output-argument.js';
import { formatDuration } from '../progress-bar.js';
import { type ClassFolderShard, stageClassFolderShard } from '../class-folder-shard.js';
import { SHARD_OPTIONS, describeShard, parsePageSize, parseShard, shardHelp } from '../shard-option.js';
import { UsageError } from '../usage-error.js';
import { integer, plural, withSkipInvalidHint } from './build-option-values.js';

const COMMAND = 'build image-folder';
const MODES = ['jpg', 'raw', 'smart', 'proportion'];

/**
 * `tessera build image-folder DIR [OUT.beton] [-o OUT.beton]`: an ImageFolder directory (one subfolder per class)
 * into a classification dataset (`image`, `label`). Loads @tessera/image only when run; `tessera
 * build` hands it every argument after `image-folder`.
 */
export const buildImageFolderCommand = defineCommand({
  name: COMMAND,
  summary: 'an image folder (one subfolder per class) into a .beton file',
  positionalNames: ['DIR', '[OUT.beton]'],
  description: [
    'tessera build image-folder reads DIR/<class>/**/<image> (JPEG, PNG, WebP, AVIF, TIFF, GIF, BMP…;',
    'classes sorted by name, labels 0, 1, …) and writes OUT.beton with fields image (FFCV-compatible',
    'RGB image, or 1-channel with --gray) and label (int64). Images are decoded, shrunk to',
    '--max-resolution and encoded in parallel worker threads. Other files (notes.txt, .DS_Store,',
    'files directly in DIR) are left out and counted. The output is the last argument or -o OUT.beton.',
    'Needs the @tessera/image package (npm install @tessera/image).',
    '',
    'Progress goes to stderr; a summary to stdout (times in both come from one clock). Exit codes: 0',
    'written, 1 a missing folder (E_IO), a folder without class subfolders or images (E_ARGUMENT), an',
    'unreadable image (E_ENCODE; the output is then not created or changed; --skip-invalid leaves such',
    'images out and lists them) or a failed write, 2 bad command line.',
    ...shardHelp(
      'images (by class, then path)',
      'Labels are numbered over the whole folder, so a class keeps its label in every shard. A shard is staged as a folder of symbolic links beside the output (removed after). ' +
        'A shard left without images is an error (E_ARGUMENT) saying how many images there are.',
    ),
  ].join('\n'),
  options: {
    output: OUTPUT_OPTION,
    'max-resolution': { type: 'string', valueName: 'N', description: 'longest stored side in pixels (default: as is)' },
    quality: { type: 'string', valueName: 'Q', description: 'JPEG quality 1-100 (default 90)' },
    mode: { type: 'string', valueName: 'MODE', description: `${MODES.join(' | ')} (default jpg)` },
    'smart-threshold': { type: 'string', valueName: 'BYTES', description: 'smart mode: pixel bytes above which an image is stored as JPEG' },
    workers: { type: 'string', valueName: 'N', description: 'encoder threads (default: cores, at most 4; 0 encodes on the main thread)' },
    gray: { type: 'boolean', description: 'store 1-channel grayscale images' },
    'skip-invalid': { type: 'boolean', description: 'check every image first; leave unreadable ones out and list them' },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
    ...SHARD_OPTIONS,
  },
  async run({ options, positionals }, context) {
    const [root, positionalOutput] = positionals as [string, string | undefined];
    const output = chooseOutput({ positional: positionalOutput, option: options.output, cwd: context.cwd, command: COMMAND, inputs: 'DIR' });
    const mode = options.mode;
    if (mode !== undefined && !MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`, COMMAND);
    const maxResolution = integer(options['max-resolution'], 'max-resolution', 1, 65_535, COMMAND);
    const quality = integer(options.quality, 'quality', 1, 100, COMMAND);
    const smartThreshold = integer(options['smart-threshold'], 'smart-threshold', 0, Number.MAX_SAFE_INTEGER, COMMAND);
    if (mode === 'smart' && smartThreshold === undefined) throw new UsageError('--mode smart needs --smart-threshold BYTES', COMMAND);
    const workers = integer(options.workers, 'workers', 0, 256, COMMAND);
    const skipInvalid = options['skip-invalid'];
    const shard = parseShard(options, COMMAND);
    const pageSize = parsePageSize(options['page-size'], COMMAND);

    const image = await importImagePackage(context.cwd);
    const progress = createBuildProgress({ target: basename(output), quiet: options.quiet, context });
    let summary: ImageFolderSummary;
    let staged: ClassFolderShard | undefined;
    const sourceRoot = resolve(context.cwd, root);
    let ignored: { ignoredFiles: number; ignoredExamples: string[] } | undefined;
    try {
      if (shard !== undefined) {
        if (typeof image.listImageFolder !== 'function') {
          throw new UsageError('--shard needs listImageFolder from @tessera/image, which the installed version lacks; update it: npm install @tessera/image@latest', COMMAND);
        }
        const listing = image.listImageFolder(sourceRoot);
        ignored = { ignoredFiles: listing.ignoredFiles, ignoredExamples: listing.ignoredExamples };
        staged = stageClassFolderShard({ root: sourceRoot, listing, output: resolve(context.cwd, output), shard, what: 'images' });
      }
      summary = await image.buildImageFolderDataset({
        root: staged?.root ?? sourceRoot,
        output: resolve(context.cwd, output),
        maxResolution,
        quality,
        mode,
        smartThreshold,
        channels: options.gray ? 1 : 3,
        workers,
        ...(pageSize === undefined ? {} : { pageSize }),
        onInvalid: skipInvalid ? 'skip' : 'error',
        onProgress: (event) => {
          if (event.done === 0) progress.setNote(ignoredNote(ignored?.ignoredFiles ?? event.ignoredFiles));
          progress.update(event.phase, { done: event.done, total: event.total, unit: 'images', byteLength: event.phase === 'writing' ? event.bytesWritten : undefined });
        },
      });
      if (staged !== undefined) {
        const { toSourcePath } = staged;
        const skipped = summary.skipped.map((entry) => ({ ...entry, path: toSourcePath(entry.path), error: toSourcePath(entry.error) }));
        const slice = { index: shard!.index, count: shard!.count, firstImage: staged.firstFile, images: staged.files, totalImages: staged.totalFiles };
        summary = { ...summary, ...ignored, skipped, shard: slice };
      }
    } catch (error) {
      progress.fail();
      // Errors name the staged links: name the images in DIR instead.
      if (staged !== undefined && error instanceof Error) error.message = staged.toSourcePath(error.message);
      throw skipInvalid ? error : withSkipInvalidHint(error, 'E_ENCODE', 'images');
    } finally {
      staged?.remove();
    }
    progress.finish();
    const elapsedMs = progress.elapsedMs();
    const phaseElapsedMs = progress.phaseElapsedMs();
    const seconds = elapsedMs / 1000;
    const backend = image.jpegBackendStatus().backend.name;
    const ignoredFiles = summary.ignoredFiles ?? 0;
    if (options.json) {
      const report = { ...summary, ignoredFiles, elapsedMs, phaseElapsedMs, imagesPerSecond: summary.numSamples / seconds, jpegBackend: backend };
      context.stdout.write(`${stringifyJson(report)}\n`);
    } else {
      const phases = Object.entries(phaseElapsedMs).map(([phase, durationMs]) => `${phase} ${formatDuration(durationMs)}`);
      const left = [
        summary.skipped.length > 0 ? `${plural(summary.skipped.length, 'unreadable image')} skipped` : undefined,
        ignoredFiles > 0 ? ignoredNote(ignoredFiles) : undefined,
      ].filter((part) => part !== undefined);
      const slice = summary.shard;
      context.stdout.write(
        `wrote ${summary.path}${slice === undefined ? '' : ` (${describeShard(slice)}: images [${slice.firstImage}, ${slice.firstImage + slice.images}) of ${slice.totalImages})`}: ${summary.numSamples} images in ${summary.classes.length} classes, ${formatByteLength(summary.fileByteLength)}, ` +
          `${formatDuration(elapsedMs)} (${phases.join(', ')}; ${Math.round(summary.numSamples / seconds)} images/s, JPEG backend ${backend})` +
          `${left.length === 0 ? '' : `; ${left.join(', ')}`}\n`,
      );
      for (const skipped of summary.skipped) context.stdout.write(`skipped ${skipped.path}: ${skipped.error}\n`);
      if (ignoredFiles > 0) {
        const examples = summary.ignoredExamples ?? [];
        context.stdout.write(`not images (left out): ${examples.join(', ')}${ignoredFiles > examples.length ? `, and ${ignoredFiles - examples.length} more` : ''}\n`);
      }
    }
    return EXIT_CODE.SUCCESS;
  },
});

function ignoredNote(ignoredFiles: number | undefined): string | undefined {
  return ignoredFiles === undefined || ignoredFiles === 0 ? undefined : `${plural(ignoredFiles, 'non-image file')} skipped`;
}



