import { afterAll, beforeAll, describe, it } from 'vitest';
import { type FieldConformance, createFieldConformance } from './field-conformance.js';
import { DEFAULT_TIMEOUT_MS, type FieldConformanceOptions } from './field-conformance-options.js';

/**
 * Registers the conformance suite of one field codec as a vitest `describe()` block: every check
 * writes and reads real files in a temporary folder (removed afterwards).
 *
 * ```ts
 * runFieldConformance({
 *   name: 'acme/boxes',
 *   plugin: () => boxesPlugin(),
 *   field: boundingBoxes({ maxBoxes: 8 }),
 *   values: [[{ x: 1, y: 2, width: 3, height: 4, label: 7 }]],
 *   edgeValues: [[]],
 *   invalidValues: [[{ x: 'left' }]],
 * });
 * ```
 */
export function runFieldConformance<TValue>(options: FieldConformanceOptions<TValue>): FieldConformance {
  const suite = createFieldConformance(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  describe(options.name, () => {
    beforeAll(() => suite.setup(), timeoutMs);
    afterAll(() => suite.dispose(), timeoutMs);
    for (const check of suite.checks) {
      if (check.skipReason !== undefined) it.skip(`${check.title} (skipped: ${check.skipReason})`, () => {});
      else if (check.knownIssue !== undefined) it.fails(`${check.title} [known issue: ${check.knownIssue}]`, () => check.run(), timeoutMs);
      else it(check.title, () => check.run(), timeoutMs);
    }
  });
  return suite;
}
