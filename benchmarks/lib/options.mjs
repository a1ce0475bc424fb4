/** Command-line options shared by benchmarks: --quick, --repeats N, --only a,b. */
import { parseArgs } from 'node:util';

/** Parses process.argv; `extra` adds benchmark-specific options (node:util parseArgs format). */
export function parseBenchOptions(extra = {}) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
      ...extra,
    },
    allowPositionals: false,
  });
  const repeats = values.repeats === undefined ? undefined : Number(values.repeats);
  if (repeats !== undefined && !(Number.isInteger(repeats) && repeats > 0)) {
    throw new RangeError(`--repeats must be a positive integer, got ${values.repeats}`);
  }
  return { ...values, repeats, only: values.only === undefined ? undefined : new Set(values.only.split(',').map((part) => part.trim())) };
}
