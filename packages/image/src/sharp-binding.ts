/**
 * The one module that touches sharp (libvips): the universal input path for the writer — any
 * format sharp reads (JPEG, PNG, WebP, AVIF, TIFF, GIF's first frame…), EXIF orientation applied,
 * alpha dropped or composited, grayscale expanded — and the JPEG encoder when the native backend
 * is unavailable. Loaded lazily, so reading datasets never loads libvips.
 */
import { TesseraError } from '@tessera/core';
import type { Sharp, SharpOptions } from 'sharp';

type SharpFactory = (input?: Buffer | Uint8Array | string, options?: SharpOptions) => Sharp;

let loading: Promise<SharpFactory> | undefined;

export function loadSharp(): Promise<SharpFactory> {
  loading ??= import('sharp').then(
    (module) => {
      // sharp's settings (concurrency, cache) are process-wide and the application's: left as they are.
      return ((module as { default?: unknown }).default ?? module) as SharpFactory;
    },
    (error: unknown) => {
      loading = undefined;
      throw new TesseraError(
        'E_PLUGIN',
        `@tessera/image could not load sharp (${error instanceof Error ? error.message : String(error)}). Tried: import('sharp'). Fixes: npm install sharp (it ships libvips for ${process.platform}-${process.arch} in @img/sharp-* packages); with pnpm add sharp to pnpm.onlyBuiltDependencies and reinstall; see https://sharp.pixelplumbing.com/install`,
      );
    },
  );
  return loading;
}
