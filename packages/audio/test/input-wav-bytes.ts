/** WAV files written byte by byte for the input tests (independent of src/input's own writer). */
export interface WavSpec {
  sampleRate: number;
  channels: number;
  /** 1 PCM, 3 IEEE float. */
  formatTag: 1 | 3;
  bitsPerSample: number;
  /** Interleaved stored values: integers for PCM (unsigned for 8-bit), floats for float. */
  values: ArrayLike<number>;
  extensible?: boolean;
  /** A chunk of this many bytes before 'data' (odd sizes get RIFF's padding byte). */
  extraChunkBytes?: number;
}

export function wavBytes(spec: WavSpec): Uint8Array {
  const bytesPerSample = spec.bitsPerSample / 8;
  const dataBytes = spec.values.length * bytesPerSample;
  const fmtBytes = spec.extensible ? 40 : 16;
  const extra = spec.extraChunkBytes === undefined ? 0 : 8 + spec.extraChunkBytes + (spec.extraChunkBytes & 1);
  const total = 12 + 8 + fmtBytes + extra + 8 + dataBytes;
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const text = (offset: number, value: string) => {
    for (let index = 0; index < 4; index++) bytes[offset + index] = value.charCodeAt(index);
  };
  text(0, 'RIFF');
  view.setUint32(4, total - 8, true);
  text(8, 'WAVE');
  text(12, 'fmt ');
  view.setUint32(16, fmtBytes, true);
  view.setUint16(20, spec.extensible ? 0xfffe : spec.formatTag, true);
  view.setUint16(22, spec.channels, true);
  view.setUint32(24, spec.sampleRate, true);
  view.setUint32(28, spec.sampleRate * spec.channels * bytesPerSample, true);
  view.setUint16(32, spec.channels * bytesPerSample, true);
  view.setUint16(34, spec.bitsPerSample, true);
  let offset = 36;
  if (spec.extensible) {
    view.setUint16(36, 22, true);
    view.setUint16(38, spec.bitsPerSample, true);
    view.setUint32(40, 0, true);
    // KSDATAFORMAT_SUBTYPE_PCM / _IEEE_FLOAT: the tag, then 00000000-0010-8000-00aa00389b71.
    view.setUint16(44, spec.formatTag, true);
    bytes.set([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71], 46);
    offset = 60;
  }
  if (spec.extraChunkBytes !== undefined) {
    text(offset, 'LIST');
    view.setUint32(offset + 4, spec.extraChunkBytes, true);
    bytes.fill(0x41, offset + 8, offset + 8 + spec.extraChunkBytes);
    offset += extra;
  }
  text(offset, 'data');
  view.setUint32(offset + 4, dataBytes, true);
  offset += 8;
  for (let index = 0; index < spec.values.length; index++, offset += bytesPerSample) {
    const value = spec.values[index]!;
    if (spec.formatTag === 3) {
      if (spec.bitsPerSample === 32) view.setFloat32(offset, value, true);
      else view.setFloat64(offset, value, true);
    } else if (spec.bitsPerSample === 8) view.setUint8(offset, value);
    else if (spec.bitsPerSample === 16) view.setInt16(offset, value, true);
    else if (spec.bitsPerSample === 24) {
      view.setUint16(offset, value & 0xffff, true);
      view.setInt8(offset + 2, value >> 16);
    } else view.setInt32(offset, value, true);
  }
  return bytes;
}

/** Deterministic integers in [min, max] including both ends. */
export function integerRamp(count: number, min: number, max: number, seed = 7): number[] {
  const values: number[] = [min, max, 0, -1, 1];
  let state = seed >>> 0;
  while (values.length < count) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values.push(min + Math.floor((state / 4294967296) * (max - min + 1)));
  }
  return values.slice(0, count);
}
