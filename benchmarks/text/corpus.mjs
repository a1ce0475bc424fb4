/**
 * The benchmark corpus: real English text, deterministic. Paragraphs of Debian's license texts
 * (the repository's fixtures/licenses, copied from Debian's /usr/share/common-licenses; every real file once) are drawn with a seeded generator into
 * documents of 8–32 paragraphs, until the corpus reaches the requested size; written once as JSON
 * lines under .bench-data/ and reused. Repeated paragraphs favour the tokenizer's word cache about
 * as much as the Zipfian vocabulary of real corpora does.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchDataPath, mulberry32, repositoryRoot } from '../lib/index.mjs';

export const LICENSES_DIRECTORY = join(repositoryRoot, 'fixtures', 'licenses');
const SEED = 0x7e47;

export function licenseParagraphs() {
  const seen = new Set();
  const paragraphs = [];
  for (const name of readdirSync(LICENSES_DIRECTORY).sort()) {
    const path = join(LICENSES_DIRECTORY, name);
    const real = realpathSync(path);
    if (seen.has(real)) continue;
    seen.add(real);
    for (const paragraph of readFileSync(real, 'utf8').split(/\n[ \t]*\n/)) if (paragraph.trim() !== '') paragraphs.push(paragraph);
  }
  return paragraphs;
}

/** `{ path, documents, byteLength }`: the corpus file (JSON lines with a "text" key) and its documents. */
export function ensureCorpus(targetByteLength) {
  const megabytes = Math.round(targetByteLength / 1e6);
  const path = benchDataPath(`text-corpus-${megabytes}mb-v1.jsonl`);
  if (!existsSync(path)) {
    const paragraphs = licenseParagraphs();
    const random = mulberry32(SEED);
    const lines = [];
    let byteLength = 0;
    while (byteLength < targetByteLength) {
      const count = 8 + Math.floor(random() * 25);
      const picked = [];
      for (let index = 0; index < count; index++) picked.push(paragraphs[Math.floor(random() * paragraphs.length)]);
      const document = picked.join('\n\n');
      byteLength += Buffer.byteLength(document);
      lines.push(JSON.stringify({ text: document }));
    }
    writeFileSync(`${path}.tmp`, `${lines.join('\n')}\n`);
    renameSync(`${path}.tmp`, path);
  }
  const documents = readFileSync(path, 'utf8').split('\n').filter((line) => line !== '').map((line) => JSON.parse(line).text);
  const byteLength = documents.reduce((sum, document) => sum + Buffer.byteLength(document), 0);
  return { path, documents, byteLength };
}
