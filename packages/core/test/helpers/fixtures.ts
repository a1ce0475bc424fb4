import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** FFCV-written reference files, kept in the repository (see fixtures/ffcv/README.md). */
export const FIXTURE_DIRECTORY = resolve(import.meta.dirname, '../fixtures/ffcv');

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIRECTORY)
    .filter((name) => name.endsWith('.beton.gz'))
    .map((name) => name.slice(0, -'.beton.gz'.length))
    .sort();
}

/** Gunzips a fixture once into a temp folder and returns its path. */
export function fixturePath(name: string): string {
  const directory = join(tmpdir(), 'tessera-ffcv-fixtures');
  mkdirSync(directory, { recursive: true });
  const path = join(directory, `${name}.beton`);
  if (!existsSync(path)) writeFileSync(path, gunzipSync(readFileSync(join(FIXTURE_DIRECTORY, `${name}.beton.gz`))));
  return path;
}

export function fixtureTwin(name: string): FixtureTwin {
  return JSON.parse(readFileSync(join(FIXTURE_DIRECTORY, `${name}.json`), 'utf8')) as FixtureTwin;
}

export interface FixtureTwin {
  file_size: number;
  header: { version: number; num_fields: number; page_size: number; num_samples: number; alloc_table_ptr: number };
  field_descriptors: Array<{ index: number; name: string; type_id: number; handler: string; arguments_nonzero_prefix_hex: string }>;
  metadata: { start: number; itemsize: number; fields: Array<{ field: string; offset: number; itemsize: number }> };
  data_region_start: number;
  num_pages: number;
  alloc_table: { offset: number; entries: number };
  writer: { page_size: number; fields: Record<string, Record<string, unknown>> };
  samples: Array<Record<string, unknown>>;
}
