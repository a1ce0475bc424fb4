/**
 * Seeded fuzzing of the reader: mutates small real files (written by Tessera, and by FFCV 1.0) and
 * classifies what opening, reading, decoding and verifying each mutant does.
 *
 *   node packages/core/test/fuzz/fuzz-runner.mjs [--seeds 1,2,3] [--mutants 500]
 *       [--base FILE.beton]... [--plugin MODULE_URL#factory]... [--only-bases]
 *
 * `--base` adds files of other plugins (written by that package's test), `--plugin` names the plugin
 * factories needed to read them (called without arguments), `--only-bases` skips the built-in files.
 *
 * Runs against the built package (dist/): build @tessera/core first. Prints one line per mutant
 * to stdout (`start ID` before, `done ID CLASS` after) so a parent process can name the mutant
 * that crashed or hung, then a JSON summary line. A mutant's ID (`file:seed:index`) reproduces it:
 *   node packages/core/test/fuzz/fuzz-runner.mjs --only f04_scalars_500:7:123
 *
 * Outcome classes:
 *   typed-error        a TesseraError (any code) from open, read, decode or verify
 *   identical          every value and decoded output equals the original's
 *   flagged-by-verify  some value differs and verifyDataset reports a problem
 *   unverifiable       some value differs, verify is OK, and the file has no checksums (FFCV files:
 *                      only the structure can be checked)
 * Failures (the parent test fails on any):
 *   untyped-error      anything thrown that is not a TesseraError
 *   wrong-unflagged    a Tessera file (checksums present) reads different values and verify says OK
 * (crash and hang are detected by the parent: the process dies, or no line for 10 s.)
 */
import { closeSync, copyFileSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { TesseraError, bytes, createOutputSlot, ffcvImage, float64, int64, json, ndarray, openDataset, verifyDataset, writeDataset } from '../../dist/index.js';

const FIXTURES = new URL('../fixtures/ffcv/', import.meta.url);
/** FFCV-written fixtures small enough to mutate thousands of times (their data pages are mostly zero padding). */
const FFCV_FILES = ['f04_scalars_500', 'f01_all_fields_1', 'f10_ndarray_types_37', 'f05_ndarray_json_500_page2m'];
export const DEFAULT_SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

function parseArguments(argv) {
  const options = { seeds: DEFAULT_SEEDS, mutants: 60, only: undefined, bases: [], plugins: [], onlyBases: false };
  for (let index = 0; index < argv.length; index += 2) {
    const [flag, value] = [argv[index], argv[index + 1]];
    if (flag === '--seeds') options.seeds = value.split(',').map(Number);
    else if (flag === '--mutants') options.mutants = Number(value);
    else if (flag === '--only') options.only = value;
    else if (flag === '--base') options.bases.push(value);
    else if (flag === '--plugin') options.plugins.push(value);
    else if (flag === '--only-bases') {
      options.onlyBases = true;
      index--;
    } else throw new Error(`unknown flag ${flag}`);
  }
  return options;
}

/** mulberry32: the same mutants on every machine. */
function createRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

async function writeTesseraFiles(directory) {
  const random = createRandom(99);
  const samples = Array.from({ length: 24 }, (_, index) => {
    const blob = new Uint8Array(index === 0 ? 0 : Math.floor(random() * 300));
    for (let position = 0; position < blob.length; position++) blob[position] = Math.floor(random() * 256);
    const pixels = new Uint8Array(4 * 3 * 3);
    for (let position = 0; position < pixels.length; position++) pixels[position] = Math.floor(random() * 256);
    return {
      label: index === 1 ? 2n ** 62n : index * 7 - 30,
      weight: random() * 10 - 5,
      blob,
      meta: { index, tags: ['a', `t${index}`], nested: { ok: index % 2 === 0 } },
      vector: Float32Array.from({ length: 6 }, () => random() * 2 - 1),
      image: { mode: 'raw', width: 4, height: 3, data: pixels },
    };
  });
  const core = join(directory, 'tessera_core.beton');
  await writeDataset(
    core,
    { label: int64(), weight: float64(), blob: bytes(), meta: json(), vector: ndarray({ dtype: '<f4', shape: [2, 3] }) },
    samples,
    { pageSize: 4096, workers: 0 },
  );
  const withImage = join(directory, 'tessera_image.beton');
  await writeDataset(withImage, { label: int64(), image: ffcvImage() }, samples.map(({ label, image }) => ({ label, image })), { pageSize: 4096, workers: 0 });
  return [core, withImage];
}

/** Everything a reader can get from a file: stored values, default decoder outputs, verify's verdict. */
async function readEverything(path) {
  const dataset = openDataset(path, { plugins });
  try {
    const hash = createHash('sha256');
    const values = { push: (text) => hash.update(text).update('\n'), bytes: (view) => hash.update(view) };
    const decoders = [];
    for (const field of dataset.fields) {
      try {
        const decoder = dataset.createDecoder(field.name);
        decoders.push({ name: field.name, decoder, slot: createOutputSlot(decoder.output) });
      } catch (error) {
        if (!(error instanceof TesseraError)) throw error;
        values.push(`no decoder for ${field.name}: ${error.code}`);
      }
    }
    for (let sampleIndex = 0; sampleIndex < dataset.numSamples; sampleIndex++) {
      values.push(render(dataset.get(sampleIndex)));
      for (const { name, decoder, slot } of decoders) {
        slot.bytes.fill(0);
        await decoder.decode(sampleIndex, slot);
        values.push(`${name}:${Array.from(slot.lengths).join(',')}:`);
        values.bytes(slot.bytes);
      }
    }
    return { values: hash.digest('hex'), checksums: dataset.extension !== undefined };
  } finally {
    dataset.close();
  }
}

function render(value) {
  // Payloads are summarised by a digest: the comparison stays exact and cheap for large blobs.
  return JSON.stringify(value, (_key, inner) => {
    if (typeof inner === 'bigint') return `${inner}n`;
    if (typeof inner === 'number' && !Number.isFinite(inner)) return String(inner);
    if (ArrayBuffer.isView(inner)) return `${inner.constructor.name}:${createHash('sha1').update(new Uint8Array(inner.buffer, inner.byteOffset, inner.byteLength)).digest('hex')}`;
    return inner;
  });
}

/** Where mutations land: mostly the structure (header, descriptors, metadata, tables), some in payloads. */
function structuralRanges(path, byteLength) {
  const dataset = openDataset(path, { plugins });
  try {
    const { layout } = dataset;
    const metadataEnd = layout.metadataStart + dataset.numSamples * layout.recordByteLength;
    const ranges = [
      [0, 24],
      [24, layout.metadataStart],
      [layout.metadataStart, metadataEnd],
      [layout.dataEnd, byteLength],
    ];
    if (layout.dataEnd > layout.dataStart) ranges.push([layout.dataStart, Math.min(layout.dataEnd, layout.dataStart + 4096)]);
    return ranges.filter(([start, end]) => end > start);
  } finally {
    dataset.close();
  }
}

/** One mutant as a list of byte patches (or a truncation), drawn from `random`. */
function drawMutation(random, original, ranges) {
  const kind = random();
  const pickOffset = () => {
    const [start, end] = ranges[Math.floor(random() * ranges.length)];
    return start + Math.floor(random() * (end - start));
  };
  if (kind < 0.12) {
    const at = Math.floor(((1 + Math.floor(random() * 63)) / 64) * original.length);
    return { describe: `truncate to ${at}`, truncate: at, patches: [] };
  }
  const patches = [];
  if (kind < 0.3) {
    // Damage in two places at once (e.g. the extension block's footer and a value it protects).
    for (let index = 0; index < 2; index++) {
      const offset = pickOffset();
      patches.push([offset, original[offset] ^ (1 << Math.floor(random() * 8))]);
    }
    // …and one bit in the 32 bytes before the allocation table (Tessera's extension footer, when present).
    const tableOffset = Number(original.readBigUInt64LE(16));
    const footer = Math.max(0, Math.min(original.length, tableOffset) - 1 - Math.floor(random() * 32));
    patches.push([footer, original[footer] ^ (1 << Math.floor(random() * 8))]);
    return { describe: `flip ${patches.map(([offset]) => offset).join(',')} (with the footer)`, patches };
  }
  if (kind < 0.55) {
    const flips = 1 + Math.floor(random() * 3);
    for (let index = 0; index < flips; index++) {
      const offset = pickOffset();
      patches.push([offset, original[offset] ^ (1 << Math.floor(random() * 8))]);
    }
    return { describe: `flip ${patches.map(([offset]) => offset).join(',')}`, patches };
  }
  if (kind < 0.8) {
    const offset = pickOffset();
    const special = [0, 0xff, 0x7f, 0x80, 1, Math.floor(random() * 256)];
    const length = 1 + Math.floor(random() * 8);
    for (let index = 0; index < length && offset + index < original.length; index++) {
      patches.push([offset + index, special[Math.floor(random() * special.length)]]);
    }
    return { describe: `set ${length} bytes at ${offset}`, patches };
  }
  // An absurd 64-bit little-endian value over an aligned word of the structure (sizes, pointers, counts).
  const offset = pickOffset() & ~7;
  const absurd = [0xffffffffffffffffn, 0x8000000000000000n, 2n ** 53n, 2n ** 32n, 2n ** 31n - 1n, BigInt(original.length + 1)][Math.floor(random() * 6)];
  for (let index = 0; index < 8 && offset + index < original.length; index++) patches.push([offset + index, Number((absurd >> BigInt(8 * index)) & 0xffn)]);
  return { describe: `absurd 0x${absurd.toString(16)} at ${offset}`, patches };
}

async function classify(path, reference) {
  let read;
  try {
    read = await readEverything(path);
  } catch (error) {
    return error instanceof TesseraError ? { outcome: 'typed-error', detail: error.code } : { outcome: 'untyped-error', detail: describeError(error) };
  }
  if (read.values === reference.values) return { outcome: 'identical' };
  let report;
  try {
    report = verifyDataset(path, { plugins });
  } catch (error) {
    return error instanceof TesseraError ? { outcome: 'flagged-by-verify', detail: error.code } : { outcome: 'untyped-error', detail: `verify: ${describeError(error)}` };
  }
  if (!report.ok) return { outcome: 'flagged-by-verify', detail: report.problems[0]?.code ?? 'not ok' };
  if (report.checksums === 'absent' && !reference.checksums) return { outcome: 'unverifiable' };
  return { outcome: 'wrong-unflagged', detail: `checksums ${report.checksums}` };
}

function describeError(error) {
  return error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
}

/** Plugins for the extra base files (`--plugin MODULE_URL#factory`). */
const plugins = [];

async function main() {
  const options = parseArguments(process.argv.slice(2));
  for (const specifier of options.plugins) {
    const [moduleUrl, factory] = specifier.split('#');
    plugins.push((await import(moduleUrl))[factory]());
  }
  const directory = mkdtempSync(join(process.platform === 'linux' ? '/dev/shm' : tmpdir(), 'tessera-fuzz-'));
  const counts = {};
  const failures = [];
  try {
    const bases = options.bases.map((path) => ({ name: basename(path, '.beton'), path }));
    if (!options.onlyBases) for (const path of await writeTesseraFiles(directory)) bases.push({ name: basename(path, '.beton'), path });
    for (const name of options.onlyBases ? [] : FFCV_FILES) {
      const path = join(directory, `${name}.beton`);
      const bytes = gunzipSync(readFileSync(new URL(`${name}.beton.gz`, FIXTURES)));
      const fd = openSync(path, 'w');
      writeSync(fd, bytes);
      closeSync(fd);
      bases.push({ name, path });
    }
    for (const base of bases) {
      const original = readFileSync(base.path);
      const reference = await readEverything(base.path);
      const ranges = structuralRanges(base.path, original.length);
      const mutantPath = join(directory, `mutant-${base.name}.beton`);
      copyFileSync(base.path, mutantPath);
      for (const seed of options.seeds) {
        const random = createRandom(seed * 7919 + base.name.length);
        for (let index = 0; index < options.mutants; index++) {
          const mutation = drawMutation(random, original, ranges);
          const id = `${base.name}:${seed}:${index}`;
          if (options.only !== undefined && options.only !== id) continue;
          // Patch the copy in place and restore it afterwards: the 16 MiB FFCV files stay cheap.
          const fd = openSync(mutantPath, 'r+');
          try {
            for (const [offset, value] of mutation.patches) writeSync(fd, Uint8Array.of(value), 0, 1, offset);
            if (mutation.truncate !== undefined) ftruncateSync(fd, mutation.truncate);
          } finally {
            closeSync(fd);
          }
          process.stdout.write(`start ${id} ${mutation.describe}\n`);
          const result = await classify(mutantPath, reference);
          counts[result.outcome] = (counts[result.outcome] ?? 0) + 1;
          if (result.outcome === 'untyped-error' || result.outcome === 'wrong-unflagged') failures.push({ id, mutation: mutation.describe, ...result });
          process.stdout.write(`done ${id} ${result.outcome}${result.detail === undefined ? '' : ` ${result.detail}`}\n`);
          const restore = openSync(mutantPath, 'r+');
          try {
            if (mutation.truncate !== undefined) writeSync(restore, original, mutation.truncate, original.length - mutation.truncate, mutation.truncate);
            for (const [offset] of mutation.patches) writeSync(restore, original, offset, 1, offset);
          } finally {
            closeSync(restore);
          }
        }
      }
    }
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  process.stdout.write(`${JSON.stringify({ summary: { seeds: options.seeds, mutantsPerSeedAndFile: options.mutants, counts, failures } })}\n`);
}

await main();
