import sharp from 'sharp';
import type { RawImage } from '@tessera/image';

/** A smooth RGB (or gray) test image: gradients plus a soft blob, so JPEG error stays small. */
export function gradientImage(width: number, height: number, seed = 0, channels: 1 | 3 = 3): RawImage & { data: Uint8Array; channels: number } {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // slopes bounded in pixels (not normalised by the size), so thin strips stay smooth too
      const u = x / 63;
      const v = y / 63;
      const blob = Math.exp(-((u - 0.4) ** 2 + (v - 0.6) ** 2) * 6);
      const values = [
        40 + 150 * u + 40 * blob + seed * 7,
        30 + 120 * v + 60 * blob + seed * 3,
        200 - 100 * u * v + 30 * blob - seed * 5,
      ];
      for (let channel = 0; channel < channels; channel++) {
        const value = channels === 1 ? 0.299 * values[0]! + 0.587 * values[1]! + 0.114 * values[2]! : values[channel]!;
        data[(y * width + x) * channels + channel] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  return { data, width, height, channels };
}

/** Encodes raw pixels with sharp into a format. */
export async function encodeWithSharp(image: RawImage, format: 'jpeg' | 'png' | 'webp' | 'gif' | 'tiff' | 'avif', options: Record<string, unknown> = {}): Promise<Buffer> {
  const channels = (image.channels ?? image.data.length / (image.width * image.height)) as 1 | 2 | 3 | 4;
  return sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), { raw: { width: image.width, height: image.height, channels } })
    .toFormat(format, options)
    .toBuffer();
}

/** Mean absolute difference of two byte arrays of the same length. */
export function meanAbsoluteDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let sum = 0;
  for (let index = 0; index < a.length; index++) sum += Math.abs(a[index]! - b[index]!);
  return a.length === 0 ? 0 : sum / a.length;
}

export function maxAbsoluteDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let index = 0; index < a.length; index++) max = Math.max(max, Math.abs(a[index]! - b[index]!));
  return max;
}

/**
 * Reference area resize in floating point (OpenCV INTER_AREA: each output pixel averages the source
 * pixels its footprint overlaps, weighted by the overlap), for checking decoders.
 */
export function referenceAreaResize(
  source: Uint8Array,
  width: number,
  channels: number,
  crop: [number, number, number, number],
  outWidth: number,
  outHeight: number,
): Uint8Array {
  const [x0, y0, cropWidth, cropHeight] = crop;
  const out = new Uint8Array(outWidth * outHeight * channels);
  const scaleX = cropWidth / outWidth;
  const scaleY = cropHeight / outHeight;
  for (let oy = 0; oy < outHeight; oy++) {
    const ya = y0 + oy * scaleY;
    const yb = ya + scaleY;
    for (let ox = 0; ox < outWidth; ox++) {
      const xa = x0 + ox * scaleX;
      const xb = xa + scaleX;
      for (let channel = 0; channel < channels; channel++) {
        let sum = 0;
        let total = 0;
        const height = source.length / (width * channels);
        for (let y = Math.floor(ya); y < Math.min(Math.ceil(yb), height); y++) {
          const wy = Math.min(y + 1, yb) - Math.max(y, ya);
          for (let x = Math.floor(xa); x < Math.min(Math.ceil(xb), width); x++) {
            const wx = Math.min(x + 1, xb) - Math.max(x, xa);
            sum += wx * wy * source[(y * width + x) * channels + channel]!;
            total += wx * wy;
          }
        }
        out[(oy * outWidth + ox) * channels + channel] = Math.round(sum / total);
      }
    }
  }
  return out;
}
