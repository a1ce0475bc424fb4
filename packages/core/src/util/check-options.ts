import { ArgumentError } from '../errors.js';

/**
 * Rejects option names nobody reads. A typo (`batch_size`, `shuffle`) must not be accepted silently:
 * the error names the unknown option and the nearest valid one.
 *
 * `hints` maps names users bring from other libraries to what Tessera calls them
 * (`shuffle` → `order: 'random'`); a hint wins over the edit-distance suggestion.
 */
export function checkKnownOptions(
  where: string,
  options: object | undefined,
  known: readonly string[],
  hints: Readonly<Record<string, string>> = {},
): void {
  if (options === undefined || options === null || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const suggestion = Object.hasOwn(hints, key) ? hints[key] : nearestName(key, known);
    const fix = suggestion === undefined ? '' : `; did you mean ${suggestion}?`;
    throw new ArgumentError(`${where}.${key}`, `unknown option "${key}"${fix} (valid options: ${[...known].sort().join(', ')})`);
  }
}

/** The known name closest to `name` (case, `_`/`-` and camelCase ignored first, then edit distance ≤ a third of the length). */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const fold = (value: string) => value.replace(/[_\-\s]/g, '').toLowerCase();
  const folded = fold(name);
  const exact = known.find((candidate) => fold(candidate) === folded);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.ceil(folded.length / 3)) + 1;
  for (const candidate of known) {
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      bestDistance = distance;
      best = candidate;
    }
  }
  return best;
}

/** Levenshtein distance (insert, delete, substitute), O(a·b) with one row. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
