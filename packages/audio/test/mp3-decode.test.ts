import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMp3Decoder, parseMp3 } from '../src/mp3/index.js';
import type { PacketStream } from '../src/mp3/index.js';
import { FFMPEG_MISSING, breathe, encodeClip, ffmpegDecode, maxAbsDifference, probePacketSizes, snrDb, temporaryFolder } from './opus-ffmpeg-tools.js';

interface Clip {
  seconds: number;
  sampleRate: number;
  channels: number;
  file: string;
  bytes: Uint8Array;
}

const LENGTHS_SECONDS = [0.31, 1, 3.7];
const RATES = [16_000, 22_050, 44_100];

function decodeAll(stream: PacketStream, decoder = createMp3Decoder()): Float32Array[] {
  const out = new Float32Array(stream.channels * stream.totalSamples);
  expect(decoder.decode(stream, 0, stream.totalSamples, out, 0, stream.totalSamples)).toBe(stream.totalSamples);
  return Array.from({ length: stream.channels }, (_, channel) => out.subarray(channel * stream.totalSamples, (channel + 1) * stream.totalSamples));
}

/** LAME's encoder delay and padding, read straight from the tag bytes (offsets as ffmpeg writes them). */
function lameDelay(bytes: Uint8Array): number {
  const text = new TextDecoder('latin1').decode(bytes);
  const info = text.indexOf('Info');
  const lame = text.indexOf('Lavc', info) >= 0 ? text.indexOf('Lavc', info) : text.indexOf('LAME', info);
  return (bytes[lame + 21]! << 4) | (bytes[lame + 22]! >> 4);
}

describe.skipIf(FFMPEG_MISSING !== undefined)(`MP3 parse and decode against ffmpeg${FFMPEG_MISSING ? ` (skipped: ${FFMPEG_MISSING})` : ''}`, () => {
  const folder = temporaryFolder('mp3');
  const clips: Clip[] = [];
  beforeAll(async () => {
    for (const seconds of LENGTHS_SECONDS) {
      await breathe();
      for (const sampleRate of RATES) {
        for (const channels of [1, 2]) {
          const bytes = encodeClip(folder.path, { seconds, sampleRate, channels, codec: 'mp3' });
          const file = join(folder.path, `clip-${seconds}-${sampleRate}-${channels}.mp3`);
          writeFileSync(file, bytes);
          clips.push({ seconds, sampleRate, channels, file, bytes });
        }
      }
    }
  });
  afterAll(() => folder.remove());

  it('frames and bytes equal ffprobe packets (Info frame excluded), length equals ffmpeg decode (0.31/1/3.7 s, mono/stereo, 16/22.05/44.1 kHz)', async () => {
    for (const clip of clips) {
      await breathe();
      const where = `${clip.seconds} s ${clip.sampleRate} Hz ×${clip.channels}`;
      const sizes = probePacketSizes(clip.file);
      const stream = parseMp3(clip.bytes);
      expect(stream.sampleRate, where).toBe(clip.sampleRate);
      expect(stream.channels, where).toBe(clip.channels);
      expect(stream.packetByteOffsets.length - 1, where).toBe(sizes.length);
      for (let frame = 0; frame < sizes.length; frame++) expect(stream.packetByteOffsets[frame + 1]! - stream.packetByteOffsets[frame]!, `${where} frame ${frame}`).toBe(sizes[frame]);
      expect(stream.packets.length, where).toBe(sizes.reduce((sum, size) => sum + size, 0));
      const samplesPerFrame = clip.sampleRate > 24_000 ? 1152 : 576;
      expect(stream.packetFirstSamples[sizes.length], where).toBe(sizes.length * samplesPerFrame);
      expect(stream.delaySamples, where).toBe(lameDelay(clip.bytes) + 529);
      const decoded = ffmpegDecode(clip.file, clip.channels)[0]!.length;
      expect(stream.totalSamples, where).toBe(decoded);
      expect(stream.totalSamples, where).toBe(Math.round(clip.seconds * clip.sampleRate));
    }
  });

  it('whole-clip decodes have ffmpeg decode length exactly and are within 1e-4 of it (SNR ≥ 90 dB)', async () => {
    for (const clip of clips) {
      await breathe();
      const stream = parseMp3(clip.bytes);
      const mine = decodeAll(stream);
      const reference = ffmpegDecode(clip.file, clip.channels);
      for (let channel = 0; channel < clip.channels; channel++) {
        const where = `${clip.seconds} s ${clip.sampleRate} Hz ×${clip.channels} channel ${channel}`;
        expect(mine[channel]!.length, where).toBe(reference[channel]!.length);
        expect(maxAbsDifference(reference[channel]!, mine[channel]!), where).toBeLessThan(1e-4);
        expect(snrDb(reference[channel]!, mine[channel]!), where).toBeGreaterThanOrEqual(90);
      }
    }
  });

  it('crops equal the slice of the whole decode within 1e-4 (bit reservoir and filter bank refilled before the start)', async () => {
    for (const clip of clips.filter((entry) => entry.seconds >= 1)) {
      await breathe();
      const stream = parseMp3(clip.bytes);
      const whole = decodeAll(stream);
      const decoder = createMp3Decoder();
      const rate = clip.sampleRate;
      const length = Math.round(rate * 0.25);
      for (const start of [0, 1, 575, 1152, Math.round(rate * 0.3337), Math.round(rate * 0.61) + 3, stream.totalSamples - length, stream.totalSamples - 7]) {
        const count = Math.min(length, stream.totalSamples - start);
        const stride = count + 5;
        const out = new Float32Array(3 + clip.channels * stride).fill(Number.NaN);
        expect(decoder.decode(stream, start, length, out, 3, stride)).toBe(count);
        for (let channel = 0; channel < clip.channels; channel++) {
          const crop = out.subarray(3 + channel * stride, 3 + channel * stride + count);
          expect(maxAbsDifference(whole[channel]!.subarray(start, start + count), crop), `${clip.seconds} s ${rate} Hz ×${clip.channels} from ${start}`).toBeLessThan(1e-4);
        }
        expect(Number.isNaN(out[2])).toBe(true);
        expect(Number.isNaN(out[3 + count])).toBe(true);
      }
    }
  });

  it('a reused decoder gives exactly what a fresh one gives over 1,000 decodes of alternating clips (mono, stereo, rates)', async () => {
    const streams = clips.filter((entry) => entry.seconds >= 1).map((clip) => parseMp3(clip.bytes));
    const decoder = createMp3Decoder();
    let compared = 0;
    for (let round = 0; round < 1000; round++) {
      if (round % 100 === 0) await breathe();
      const stream = streams[round % streams.length]!;
      const start = round % 3 === 0 ? 0 : (round * 997) % (stream.totalSamples >> 1);
      const count = Math.min(stream.sampleRate >> 1, stream.totalSamples - start);
      const out = new Float32Array(stream.channels * count);
      expect(decoder.decode(stream, start, count, out, 0, count)).toBe(count);
      if (round % 10 === 0 || round > 990) {
        const fresh = createMp3Decoder();
        const expected = new Float32Array(stream.channels * count);
        fresh.decode(stream, start, count, expected, 0, count);
        fresh.free();
        expect(maxAbsDifference(expected, out), `round ${round}`).toBe(0);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(100);
    decoder.free();
    decoder.free(); // twice is harmless
  });

  it('memory stays bounded: 2,000 decodes leave the next mpg123 handle where the first one was', async () => {
    const { mp3Engine } = await import('../src/mp3/mp3-wasm.js');
    const engine = mp3Engine()!;
    const clip = clips.find((entry) => entry.seconds === 3.7 && entry.channels === 2)!;
    const stream = parseMp3(clip.bytes);
    const out = new Float32Array(2 * stream.totalSamples);
    const handles = new Set<number>();
    for (let round = 0; round < 2000; round++) {
      if (round % 100 === 0) await breathe();
      const decoder = createMp3Decoder();
      decoder.decode(stream, round % 1000, stream.totalSamples - 1000, out, 0, stream.totalSamples);
      decoder.free();
      const handle = engine.createHandle();
      handles.add(handle);
      engine.destroyHandle(handle);
    }
    expect(handles.size).toBe(1);
  });
});
