import { basename, resolve } from 'node:path';
import { type CommandContext, defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { type ImageFolderProgress, importImagePackage } from '../load-image-package.js';
import { type ProgressBar, createProgressBar } from '../progress-bar.js';
import { UsageError } from '../usage-error.js';

const MODES = ['jpg', 'raw', 'smart', 'proportion'];

/**
 * `tessera build image-folder DIR OUT.beton`: an ImageFolder directory (one subfolder per class)
 * into a classification dataset (`image`, `label`). Loads @tessera/image only when run; `tessera
 * build` hands it every argument after `image-folder`.
 */
export const buildImageFolderCommand = defineCommand({
  name: 'build image-folder',
  summary: 'an image folder (one subfolder per class) into a .beton file',
  positionalNames: ['DIR', 'OUT.beton'],
  description: [
    'tessera build image-folder reads DIR/<class>/**/<image> (JPEG, PNG, WebP, AVIF, TIFF, GIF, BMP…;',
    'classes sorted by name, labels 0, 1, …) and writes OUT.beton with fields image (FFCV-compatible',
    'RGB image, or 1-channel with --gray) and label (int64). Images are decoded, shrunk to',
    '--max-resolution and encoded in parallel worker threads.',
    'Needs the @tessera/image package (npm install @tessera/image).',
    '',
    'Progress goes to stderr; a summary to stdout. Exit codes: 0 written, 1 an unreadable image (the',
    'output is then not created or changed; --skip-invalid leaves such images out and lists them)',
    'or a failed write, 2 bad command line.',
  ].join('\n'),
  options: {
    'max-resolution': { type: 'string', valueName: 'N', description: 'longest stored side in pixels (default: as is)' },
    quality: { type: 'string', valueName: 'Q', description: 'JPEG quality 1-100 (default 90)' },
    mode: { type: 'string', valueName: 'MODE', description: `${MODES.join(' | ')} (default jpg)` },
    'smart-threshold': { type: 'string', valueName: 'BYTES', description: 'smart mode: pixel bytes above which an image is stored as JPEG' },
    workers: { type: 'string', valueName: 'N', description: 'encoder threads (default: cores, at most 4; 0 encodes on the main thread)' },
    gray: { type: 'boolean', description: 'store 1-channel grayscale images' },
    'skip-invalid': { type: 'boolean', description: 'check every image first; leave unreadable ones out and list them' },
    json: { type: 'boolean', description: 'print the summary as one JSON object' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress on stderr' },
  },
  async run({ options, positionals }, context) {
    const [root, output] = positionals as [string, string];
    const mode = options.mode;
    if (mode !== undefined && !MODES.includes(mode)) throw new UsageError(`--mode must be one of ${MODES.join(', ')}, got ${JSON.stringify(mode)}`, 'build image-folder');
    const maxResolution = integer(options['max-resolution'], 'max-resolution', 1, 65_535);
    const quality = integer(options.quality, 'quality', 1, 100);
    const smartThreshold = integer(options['smart-threshold'], 'smart-threshold', 0, Number.MAX_SAFE_INTEGER);
    if (mode === 'smart' && smartThreshold === undefined) throw new UsageError('--mode smart needs --smart-threshold BYTES', 'build image-folder');
    const workers = integer(options.workers, 'workers', 0, 256);

    const image = await importImagePackage(context.cwd);
    const progress = createFolderProgress(output, options.quiet, context);
    const started = performance.now();
    let summary: Awaited<ReturnType<typeof image.buildImageFolderDataset>>;
    try {
      summary = await image.buildImageFolderDataset({
        root: resolve(context.cwd, root),
        output: resolve(context.cwd, output),
        maxResolution,
        quality,
        mode,
        smartThreshold,
        channels: options.gray ? 1 : 3,
        workers,
        onInvalid: options['skip-invalid'] ? 'skip' : 'error',
        onProgress: progress.update,
      });
    } finally {
      progress.finish();
    }
    const seconds = (performance.now() - started) / 1000;
    const backend = image.jpegBackendStatus().backend.name;
    if (options.json) {
      context.stdout.write(`${stringifyJson({ ...summary, imagesPerSecond: summary.numSamples / seconds, jpegBackend: backend })}\n`);
    } else {
      context.stdout.write(
        `wrote ${summary.path}: ${summary.numSamples} images in ${summary.classes.length} classes, ${formatByteLength(summary.fileByteLength)}, ` +
          `${seconds.toFixed(1)} s (${Math.round(summary.numSamples / seconds)} images/s, JPEG backend ${backend})\n`,
      );
      for (const skipped of summary.skipped) context.stdout.write(`skipped ${skipped.path}: ${skipped.error}\n`);
    }
    return EXIT_CODE.SUCCESS;
  },
});

function integer(value: string | undefined, name: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min || number > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(value)}`, 'build image-folder');
  }
  return number;
}

/** One bar per phase: validating (with --skip-invalid), then writing. */
function createFolderProgress(output: string, quiet: boolean, context: CommandContext) {
  let bar: ProgressBar | undefined;
  let phase: ImageFolderProgress['phase'] | undefined;
  const stream = context.stderr as unknown as { write(text: string): unknown; isTTY?: boolean; columns?: number };
  return {
    update(progress: ImageFolderProgress) {
      if (quiet) return;
      if (progress.phase !== phase) {
        bar?.finish();
        phase = progress.phase;
        bar = createProgressBar({ label: `${phase} ${basename(output)}`, total: progress.total, unit: 'images', stream });
      }
      bar!.update(progress.done, progress.phase === 'writing' ? progress.bytesWritten : undefined);
    },
    finish() {
      bar?.finish();
    },
  };
}
