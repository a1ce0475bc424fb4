import type { SampleOperation } from '@tessera/core';
import { imageShape, operationOrigin } from './operation-support.js';

export type ColorJitterOptions = {
  /** Brightness factor drawn from [max(0, 1 − b), 1 + b]. Default 0 (off). */
  brightness?: number;
  /** Contrast factor drawn from [max(0, 1 − c), 1 + c]. Default 0. */
  contrast?: number;
  /** Saturation factor drawn from [max(0, 1 − s), 1 + s]. Default 0. */
  saturation?: number;
  /** Hue shift drawn from [−h, h] (fraction of the color wheel, h ≤ 0.5). Default 0. */
  hue?: number;
};

const BRIGHTNESS = 0;
const CONTRAST = 1;
const SATURATION = 2;
const HUE = 3;

/**
 * torchvision's ColorJitter on uint8 RGB, in place, with torchvision's uint8-tensor semantics: the
 * four adjustments in a random order, each with a random factor, each result truncated back to
 * uint8 — brightness scales, contrast blends with the mean gray level, saturation with each pixel's
 * gray level (gray = 0.2989 R + 0.587 G + 0.114 B), hue rotates in HSV. Brightness and contrast
 * are 256-entry lookup tables.
 */
export function colorJitter(options: ColorJitterOptions = {}): SampleOperation<ColorJitterOptions> {
  const brightness = checkStrength(options.brightness, 'brightness');
  const contrast = checkStrength(options.contrast, 'contrast');
  const saturation = checkStrength(options.saturation, 'saturation');
  const hue = checkStrength(options.hue, 'hue');
  if (hue > 0.5) throw new RangeError(`colorJitter hue must be at most 0.5, got ${hue}`);
  return {
    kind: 'sample',
    name: 'image/color-jitter',
    options,
    origin: operationOrigin('colorJitter', options),
    setup(input) {
      const [height, width, channels] = imageShape(input, 'colorJitter', ['uint8']);
      if (channels !== 3) throw new RangeError(`colorJitter needs RGB input (3 channels), got ${channels}`);
      const valueCount = height * width * 3;
      const table = new Uint8Array(256);
      const order = new Int32Array(4);
      return {
        output: input,
        inPlace: true,
        apply(slot, _output, context) {
          const random = context.random;
          for (let index = 0; index < 4; index++) order[index] = index;
          for (let index = 3; index > 0; index--) {
            const other = random.nextInt(index + 1);
            const value = order[index]!;
            order[index] = order[other]!;
            order[other] = value;
          }
          const brightnessFactor = brightness > 0 ? factor(brightness, random.nextFloat()) : 1;
          const contrastFactor = contrast > 0 ? factor(contrast, random.nextFloat()) : 1;
          const saturationFactor = saturation > 0 ? factor(saturation, random.nextFloat()) : 1;
          const hueShift = hue > 0 ? (random.nextFloat() * 2 - 1) * hue : 0;
          const data = slot.data as Uint8Array;
          for (const step of order) {
            if (step === BRIGHTNESS && brightness > 0) applyTable(data, valueCount, blendTable(table, brightnessFactor, 0));
            else if (step === CONTRAST && contrast > 0) applyTable(data, valueCount, blendTable(table, contrastFactor, meanGray(data, valueCount)));
            else if (step === SATURATION && saturation > 0) blendGray(data, valueCount, saturationFactor);
            else if (step === HUE && hue > 0) shiftHue(data, valueCount, hueShift);
          }
        },
      };
    },
  };
}

function checkStrength(value: unknown, name: string): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) throw new RangeError(`colorJitter ${name} must be a non-negative number, got ${JSON.stringify(value)}`);
  return value;
}

function factor(strength: number, unit: number): number {
  const low = Math.max(0, 1 - strength);
  return low + (1 + strength - low) * unit;
}

/** trunc(clamp(value × f + other × (1 − f), 0, 255)) for every byte value. */
function blendTable(table: Uint8Array, f: number, other: number): Uint8Array {
  const rest = (1 - f) * other;
  for (let value = 0; value < 256; value++) table[value] = Math.min(255, Math.max(0, value * f + rest)); // Uint8Array truncates
  return table;
}

function applyTable(data: Uint8Array, count: number, table: Uint8Array): void {
  for (let index = 0; index < count; index++) data[index] = table[data[index]!]!;
}

/** trunc(0.2989 R + 0.587 G + 0.114 B) in 16-bit fixed point (the weights sum to 65,529: never above 255). */
const grayOf = (r: number, g: number, b: number) => (r * 19588 + g * 38470 + b * 7471) >> 16;

function meanGray(data: Uint8Array, count: number): number {
  let sum = 0;
  for (let index = 0; index < count; index += 3) sum += grayOf(data[index]!, data[index + 1]!, data[index + 2]!);
  return sum / (count / 3);
}

/** value × f + gray × (1 − f) per channel, truncated to 0–255, in 12-bit fixed point. */
function blendGray(data: Uint8Array, count: number, f: number): void {
  const scale = Math.round(f * 4096);
  const rest = 4096 - scale;
  for (let index = 0; index < count; index += 3) {
    const r = data[index]!;
    const g = data[index + 1]!;
    const b = data[index + 2]!;
    const gray = rest * grayOf(r, g, b);
    data[index] = Math.min(255, Math.max(0, (r * scale + gray) >> 12));
    data[index + 1] = Math.min(255, Math.max(0, (g * scale + gray) >> 12));
    data[index + 2] = Math.min(255, Math.max(0, (b * scale + gray) >> 12));
  }
}

/** torchvision's _rgb2hsv → hue shift → _hsv2rgb on [0, 1] floats, back to uint8 as convert_image_dtype does (× 255.999, truncated). */
function shiftHue(data: Uint8Array, count: number, shift: number): void {
  const toByte = 255.999 / 255;
  for (let index = 0; index < count; index += 3) {
    const r = data[index]!;
    const g = data[index + 1]!;
    const b = data[index + 2]!;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    if (max === min) continue; // gray: hue has no effect
    const range = max - min;
    const saturation = range / max;
    const rc = (max - r) / range;
    const gc = (max - g) / range;
    const bc = (max - b) / range;
    let h = max === r ? bc - gc : max === g ? 2 + rc - bc : 4 + gc - rc;
    h = (((h / 6 + 1) % 1) + shift + 1) % 1;
    const scaled = h * 6;
    const sector = Math.floor(scaled) % 6;
    const f = scaled - Math.floor(scaled);
    const value = max * toByte;
    const p = value * (1 - saturation);
    const q = value * (1 - saturation * f);
    const t = value * (1 - saturation * (1 - f));
    let red = value;
    let green = p;
    let blue = q;
    if (sector === 0) {
      green = t;
      blue = p;
    } else if (sector === 1) {
      red = q;
      green = value;
      blue = p;
    } else if (sector === 2) {
      red = p;
      green = value;
      blue = t;
    } else if (sector === 3) {
      red = p;
      green = q;
      blue = value;
    } else if (sector === 4) {
      red = t;
      green = p;
      blue = value;
    }
    data[index] = Math.min(255, red);
    data[index + 1] = Math.min(255, green);
    data[index + 2] = Math.min(255, blue);
  }
}
