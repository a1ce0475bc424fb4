/**
 * The 'preview' check: a codec whose preview and statistics keep the contract passes; a preview
 * whose bytes are not a file of their MIME type, one that changes from call to call, and
 * statistics whose names change from sample to sample fail, naming the sample.
 */
import type { FieldCodec, FieldPreview, FieldSpec, TesseraPlugin } from '@tessera/core';
import { describe, expect, it } from 'vitest';
import { createFieldConformance } from '../src/index.js';
import { events, timedPlugin } from './fixtures/timed-plugin.mjs';

type Events = Array<[number, number]>;
const values: Events[] = [[[0.5, 1]], [], [[3, 3.5], [4, 5]]];
const PNG = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** The timed fixture with view hooks added (the check opens files with this plugin object itself). */
function withHooks(hooks: Pick<FieldCodec, 'preview' | 'statistics'>): { plugin: TesseraPlugin; field: FieldSpec } {
  const base = timedPlugin();
  const plugin: TesseraPlugin = { ...base, codecs: base.codecs.map((codec) => ({ ...codec, ...hooks })) };
  return { plugin, field: { ...events({ maxEvents: 4 }), plugin } };
}

async function runPreviewCheck(hooks: Pick<FieldCodec, 'preview' | 'statistics'>): Promise<void> {
  const { plugin, field } = withHooks(hooks);
  const suite = createFieldConformance<Events>({ name: 'timed/events with view hooks', plugin: () => plugin, field, values });
  suite.setup();
  try {
    await suite.checks.find((check) => check.id === 'preview')!.run();
  } finally {
    suite.dispose();
  }
}

const timedCodec = timedPlugin().codecs[0]!;
const eventCount = (field: Parameters<NonNullable<FieldCodec['statistics']>>[0], sampleIndex: number) => (timedCodec.read(field, sampleIndex) as Events).length;

describe("the kit's preview check", () => {
  it('passes previews that keep the contract and statistics with one set of names', async () => {
    await runPreviewCheck({
      preview: (_field, sampleIndex): FieldPreview => (sampleIndex === 0 ? { kind: 'image', mimeType: 'image/png', bytes: PNG, width: 1, height: 1 } : { kind: 'json', value: sampleIndex }),
      statistics: (field, sampleIndex): Record<string, number> => (eventCount(field, sampleIndex) === 0 ? {} : { events: eventCount(field, sampleIndex) }),
    });
  });

  it('fails bytes that are not a file of their MIME type', async () => {
    await expect(runPreviewCheck({ preview: () => ({ kind: 'image', mimeType: 'image/jpeg', bytes: PNG, width: 1, height: 1 }) })).rejects.toThrow(
      /^sample 0 \(.*\): the image preview is image\/jpeg but its 8 bytes begin 89 50 4e 47 .*not FF D8 \(JPEG\)/,
    );
    await expect(runPreviewCheck({ preview: () => ({ kind: 'audio', mimeType: 'audio/x-unknown', bytes: PNG, durationSeconds: 1, sampleRate: 8000, channels: 1 }) })).rejects.toThrow(/knows no file signature for/);
  });

  it('fails a preview that changes from call to call, and a malformed one', async () => {
    let calls = 0;
    await expect(runPreviewCheck({ preview: () => ({ kind: 'json', value: calls++ }) })).rejects.toThrow(/^sample 0 .*: preview\(\) is not deterministic/);
    await expect(runPreviewCheck({ preview: () => ({ kind: 'text', text: 5 }) as never })).rejects.toThrow(/^sample 0 .*: preview\(\) failed: .*preview of sample 0 has text that is not a string/);
  });

  it('fails statistics whose names change between samples', async () => {
    await expect(runPreviewCheck({ statistics: (_field, sampleIndex): Record<string, number> => (sampleIndex === 2 ? { count: 2 } : { events: 1 }) })).rejects.toThrow(
      /^sample 2 \(.*\): statistics\(\) names \[count\], sample 0 named \[events\]/,
    );
  });

  it('is skipped for a codec with neither hook', () => {
    const suite = createFieldConformance<Events>({ name: 'no view hooks', plugin: () => timedPlugin(), field: events({ maxEvents: 4 }), values });
    expect(suite.checks.find((check) => check.id === 'preview')!.skipReason).toBe('the codec has no preview or statistics');
  });
});
