import { readFile } from 'node:fs/promises';
import { ioError } from '@tessera/core/internals';
import { VideoInputError } from '../video-errors.js';

/** A float32 array read from a .npy file, C order. */
export interface NpyFloat32 {
  shape: number[];
  data: Float32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
/** Headers are small; a larger one is not a .npy file numpy wrote. */
const MAX_HEADER_BYTES = 1 << 16;

/**
 * Reads a .npy file (format 1.0, 2.0 or 3.0) holding little-endian float32 ('<f4') in C order, the
 * header parsed strictly: the magic, the version, a header dict with exactly descr, fortran_order
 * and shape, and a data length equal to the shape's product × 4. Anything else — another dtype,
 * Fortran order, a truncated or oversized file — is a VideoInputError naming the file.
 */
export async function readNpyFloat32(path: string): Promise<NpyFloat32> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const errno = (error as NodeJS.ErrnoException).code;
    if (errno === 'ENOENT' || errno === 'EISDIR' || errno === 'EACCES') throw new VideoInputError(`cannot read the flow file (${ioError(error, 'read', path).message})`, { input: path, cause: error });
    throw ioError(error, 'read the flow file', path);
  }
  return parseNpyFloat32(bytes, path);
}

/** The array of .npy bytes (see readNpyFloat32); `input` names the file in errors. */
export function parseNpyFloat32(bytes: Uint8Array, input: string): NpyFloat32 {
  const fail = (problem: string): never => {
    throw new VideoInputError(`not a float32 .npy file: ${problem}`, { input });
  };
  if (bytes.length < 10 || MAGIC.some((byte, index) => bytes[index] !== byte)) fail('it does not start with \\x93NUMPY');
  const major = bytes[6]!;
  const minor = bytes[7]!;
  if (!((major === 1 || major === 2 || major === 3) && minor === 0)) fail(`format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const prefix = major === 1 ? 10 : 12;
  if (bytes.length < prefix) fail(`${bytes.length} bytes, shorter than the header`);
  const headerBytes = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerBytes > MAX_HEADER_BYTES) fail(`a header of ${headerBytes} bytes`);
  const dataStart = prefix + headerBytes;
  if (bytes.length < dataStart) fail(`the header needs ${dataStart} bytes, the file has ${bytes.length} (truncated)`);
  let header: string;
  try {
    header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1', { fatal: major === 3 }).decode(bytes.subarray(prefix, dataStart));
  } catch {
    return fail('the header is not UTF-8');
  }
  const { descr, fortranOrder, shape } = parseHeaderDict(header, fail);
  if (descr !== '<f4') fail(`dtype '${descr}', expected '<f4' (little-endian float32: np.asarray(flow, dtype='<f4'))`);
  if (fortranOrder) fail('fortran_order is True; save a C-ordered array (np.ascontiguousarray)');
  let count = 1;
  for (const extent of shape) count *= extent;
  if (!Number.isSafeInteger(count * 4)) fail(`shape (${shape.join(', ')}) is too large`);
  const dataBytes = bytes.length - dataStart;
  if (dataBytes !== count * 4) fail(`shape (${shape.join(', ')}) needs ${count * 4} data bytes, the file has ${dataBytes}${dataBytes < count * 4 ? ' (truncated)' : ''}`);
  // Copied into aligned memory: the data starts at an offset numpy pads to 64, but the Buffer's own offset is arbitrary.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(bytes.subarray(dataStart));
  return { shape, data };
}

/** `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4, 5, 2), }` padded with spaces and a newline. */
function parseHeaderDict(header: string, fail: (problem: string) => never): { descr: string; fortranOrder: boolean; shape: number[] } {
  const match = /^\{\s*(.*?)\s*,?\s*\}\s*$/s.exec(header.replace(/\n$/, ''));
  if (match === null) return fail(`the header ${JSON.stringify(header.slice(0, 80))} is not a dict`);
  const entries = new Map<string, string>();
  const pattern = /'(descr|fortran_order|shape)'\s*:\s*('[^']*'|True|False|\([^)]*\))\s*(?:,|$)/gy;
  const body = match[1]!;
  let position = 0;
  while (position < body.length) {
    pattern.lastIndex = position;
    const entry = pattern.exec(body);
    if (entry === null) return fail(`cannot read the header at ${JSON.stringify(body.slice(position, position + 40))}`);
    if (entries.has(entry[1]!)) return fail(`the header repeats '${entry[1]}'`);
    entries.set(entry[1]!, entry[2]!);
    position = pattern.lastIndex;
    while (body[position] === ' ') position++;
  }
  const descr = entries.get('descr');
  const fortran = entries.get('fortran_order');
  const shapeText = entries.get('shape');
  if (descr === undefined || fortran === undefined || shapeText === undefined) return fail('the header lacks descr, fortran_order or shape');
  if (!descr.startsWith("'") || (fortran !== 'True' && fortran !== 'False') || !shapeText.startsWith('(')) return fail(`the header ${JSON.stringify(body)} has a value of the wrong kind`);
  const inner = shapeText.slice(1, -1).trim();
  const parts = inner === '' ? [] : inner.replace(/,$/, '').split(',').map((part) => part.trim());
  const shape = parts.map((part) => (/^\d+$/.test(part) ? Number(part) : Number.NaN));
  if (shape.some((extent) => !Number.isSafeInteger(extent))) return fail(`shape ${shapeText} is not a tuple of integers`);
  return { descr: descr.slice(1, -1), fortranOrder: fortran === 'True', shape };
}
