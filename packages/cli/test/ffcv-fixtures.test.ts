import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCaptured } from './helpers/run-captured.js';

/** FFCV's own files with JSON twins (see LAYOUT.md there). */
const FIXTURE_DIRECTORY = new URL('../../core/test/fixtures/ffcv/', import.meta.url);

interface FixtureTwin {
  file: string;
  header: { version: number; num_fields: number; page_size: number; num_samples: number; alloc_table_ptr: number };
  field_descriptors: Array<{ name: string; type_id: number }>;
  alloc_table: { entries: number };
  num_pages: number;
  samples: Array<Record<string, unknown>>;
}

let directory: string;

function unpack(name: string): { path: string; twin: FixtureTwin } {
  const path = join(directory, `${name}.beton`);
  if (!existsSync(path)) writeFileSync(path, gunzipSync(readFileSync(new URL(`${name}.beton.gz`, FIXTURE_DIRECTORY))));
  const twin = JSON.parse(readFileSync(new URL(`${name}.json`, FIXTURE_DIRECTORY), 'utf8')) as FixtureTwin;
  return { path, twin };
}

/** The float64 bits of a dumped number: a bare number or the bare tokens NaN / Infinity / -Infinity. */
function float64Hex(text: string): string {
  const value = text.startsWith('"') ? Number(JSON.parse(text)) : Number(text);
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  return view.getBigUint64(0).toString(16).padStart(16, '0');
}

/** Reads `"i": <digits>` and `"f": <number or string>` out of a dump line without going through doubles. */
function scalarFields(line: string): { index: number; i: string; f: string } {
  const match = /^\{"index": (\d+), "i": (-?\d+), "f": (-?[\d.e+-]+|NaN|Infinity|-Infinity)\}$/.exec(line);
  if (match === null) throw new Error(`unexpected dump line ${line}`);
  return { index: Number(match[1]), i: match[2]!, f: match[3]! };
}

function expectSample(line: string, index: number, twin: FixtureTwin): void {
  const expected = twin.samples[index] as { i: number | string; f: { f64_hex: string } };
  const actual = scalarFields(line);
  expect(actual.index).toBe(index);
  // The twin stores ints beyond 2^53 as strings of digits.
  expect(actual.i).toBe(String(expected.i));
  expect(float64Hex(actual.f)).toBe(expected.f.f64_hex);
}

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-cli-ffcv-'));
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('FFCV fixtures', () => {
  it('dump --samples 0,5 of f04_scalars_500 gives the values of its JSON twin', async () => {
    const { path, twin } = unpack('f04_scalars_500');
    const { exitCode, stdout, stderr } = await runCaptured(['dump', path, '--samples', '0,5']);
    expect(stderr).toBe('');
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expectSample(lines[0]!, 0, twin);
    expectSample(lines[1]!, 5, twin);
  });

  it('dump of all 500 samples of f04 is bit-exact (int64 extremes, -0, NaN, ±inf, denormals)', async () => {
    const { path, twin } = unpack('f04_scalars_500');
    const { exitCode, stdout } = await runCaptured(['dump', path]);
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(twin.samples.length);
    lines.forEach((line, index) => {
      expectSample(line, index, twin);
    });
  });

  const fixtureNames = readdirSync(FIXTURE_DIRECTORY)
    .filter((name) => name.endsWith('.beton.gz'))
    .map((name) => name.slice(0, -'.beton.gz'.length))
    .sort();

  it.each(fixtureNames)('%s: inspect matches the twin, dump prints every sample, verify passes', async (name) => {
    const { path, twin } = unpack(name);
    const inspect = await runCaptured(['inspect', path, '--json']);
    expect(inspect.stderr).toBe('');
    expect(inspect.exitCode).toBe(0);
    const report = JSON.parse(inspect.stdout);
    expect(report.header).toEqual({
      version: twin.header.version,
      numFields: twin.header.num_fields,
      pageSize: twin.header.page_size,
      numSamples: twin.header.num_samples,
      allocationTableOffset: twin.header.alloc_table_ptr,
    });
    expect(report.fields.map((field: { name: string; typeId: number }) => [field.name, field.typeId])).toEqual(
      twin.field_descriptors.map((descriptor) => [descriptor.name, descriptor.type_id]),
    );
    expect(report.layout.numAllocations).toBe(twin.alloc_table.entries);
    expect(report.layout.numPages).toBe(twin.num_pages);
    expect(report.extension).toBeNull();
    expect(report.checksums).toBe('absent');

    const dump = await runCaptured(['dump', path]);
    expect(dump.stderr).toBe('');
    expect(dump.exitCode).toBe(0);
    const lines = dump.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(twin.header.num_samples);
    // Not JSON.parse: NaN and the infinities are Python's bare tokens (see json-lines.ts).
    expect(lines.map((line) => Number(/^\{"index": (\d+)[,}]/.exec(line)?.[1]))).toEqual(lines.map((_, index) => index));

    const verify = await runCaptured(['verify', path]);
    expect(verify.exitCode).toBe(0);
    expect(verify.stdout).toMatch(/^ {2}checksums +absent/m);
  });
});
