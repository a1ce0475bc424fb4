/**
 * Crop windows, as FFCV computes them (ffcv/fields/rgb_image.py), in image pixels.
 * A window is [x, y, width, height] (FFCV returns i = top, j = left, h, w).
 */
export type CropWindow = [x: number, y: number, width: number, height: number];

export interface RandomSource {
  nextFloat(): number;
  nextInt(bound: number): number;
}

/** FFCV's default center-crop ratio: 224/256. */
export const DEFAULT_CROP_RATIO = 224 / 256;

/** Python's round(): halves go to the even neighbour. */
export function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const difference = value - floor;
  if (difference > 0.5) return floor + 1;
  if (difference < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/** `get_center_crop`: a square of side int(ratio × min(height, width)), centered (floor division). */
export function centerCrop(width: number, height: number, ratio: number, out: CropWindow = [0, 0, 0, 0]): CropWindow {
  const side = Math.max(1, Math.trunc(ratio * Math.min(height, width)));
  out[0] = Math.floor((width - side) / 2);
  out[1] = Math.floor((height - side) / 2);
  out[2] = side;
  out[3] = side;
  return out;
}

/**
 * torchvision's RandomResizedCrop.get_params (FFCV's get_random_crop): up to 10 draws of an area
 * share in `scale` and a log-uniform aspect ratio in `ratio`; the first window that fits wins, at a
 * uniform position. Otherwise the whole image clamped to the ratio range, centered.
 */
export function randomResizedCrop(
  width: number,
  height: number,
  scale: readonly [number, number],
  ratio: readonly [number, number],
  random: RandomSource,
  out: CropWindow = [0, 0, 0, 0],
): CropWindow {
  const area = width * height;
  const logLow = Math.log(ratio[0]);
  const logHigh = Math.log(ratio[1]);
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * (scale[0] + (scale[1] - scale[0]) * random.nextFloat());
    const aspect = Math.exp(logLow + (logHigh - logLow) * random.nextFloat());
    const cropWidth = roundHalfEven(Math.sqrt(targetArea * aspect));
    const cropHeight = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (cropWidth > 0 && cropWidth <= width && cropHeight > 0 && cropHeight <= height) {
      out[1] = random.nextInt(height - cropHeight + 1);
      out[0] = random.nextInt(width - cropWidth + 1);
      out[2] = cropWidth;
      out[3] = cropHeight;
      return out;
    }
  }
  return fallbackCrop(width, height, ratio, out);
}

/** torchvision's fallback: the whole image, clamped to the aspect-ratio range, centered. */
export function fallbackCrop(width: number, height: number, ratio: readonly [number, number], out: CropWindow = [0, 0, 0, 0]): CropWindow {
  const inRatio = width / height;
  let cropWidth = width;
  let cropHeight = height;
  if (inRatio < Math.min(ratio[0], ratio[1])) cropHeight = roundHalfEven(cropWidth / Math.min(ratio[0], ratio[1]));
  else if (inRatio > Math.max(ratio[0], ratio[1])) cropWidth = roundHalfEven(cropHeight * Math.max(ratio[0], ratio[1]));
  cropWidth = Math.max(1, Math.min(width, cropWidth));
  cropHeight = Math.max(1, Math.min(height, cropHeight));
  out[0] = Math.floor((width - cropWidth) / 2);
  out[1] = Math.floor((height - cropHeight) / 2);
  out[2] = cropWidth;
  out[3] = cropHeight;
  return out;
}
