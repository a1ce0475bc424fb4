/** Command-line options shared by benchmarks: --quick, --repeats N, --only a,b, --help. */
import { parseArgs } from 'node:util';

/**
 * Parses process.argv for one benchmark. `extraOptions` adds its own options (node:util parseArgs
 * format). --help prints `usage` and exits; --only picks from `sections` (comma-separated, checked)
 * and defaults to `defaultSections`. Returns the option values, with `sections` (a Set) for --only.
 */
export function parseBenchOptions({ usage, sections, defaultSections = sections, extraOptions = {} }) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: {
      quick: { type: 'boolean', default: false },
      repeats: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', default: false },
      ...extraOptions,
    },
    allowPositionals: false,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const { only, ...rest } = values;
  return { ...rest, repeats: parseRepeats(values.repeats), sections: selectSections(only, sections, defaultSections) };
}

/** --repeats as a positive integer, or undefined when not given. */
function parseRepeats(text) {
  if (text === undefined) return undefined;
  const repeats = Number(text);
  if (!(Number.isInteger(repeats) && repeats > 0)) throw new RangeError(`--repeats must be a positive integer, got ${text}`);
  return repeats;
}

/** The Set of sections --only names (or the defaults), each checked against `known`. */
function selectSections(only, known, defaults) {
  const selected = new Set(only === undefined ? defaults : only.split(',').map((part) => part.trim()));
  for (const section of selected) {
    if (!known.includes(section)) throw new RangeError(`--only: unknown section "${section}" (${known.join(', ')})`);
  }
  return selected;
}
