import { checkArgumentRoundTrip } from './checks/argument-round-trip.js';
import { checkDeclaredOutput } from './checks/declared-output.js';
import { checkDeterministicWrite } from './checks/deterministic-write.js';
import { checkEmptyDataset } from './checks/empty-dataset.js';
import { checkInvalidValues } from './checks/invalid-values.js';
import { checkMissingPlugin } from './checks/missing-plugin.js';
import { checkRandomDecoding } from './checks/random-decoding.js';
import { checkTimeAxis } from './checks/time-axis.js';
import { checkPluginShape } from './checks/plugin-shape.js';
import { checkPreview } from './checks/preview.js';
import { checkValueRoundTrip } from './checks/value-round-trip.js';
import { checkWorkerDecoding } from './checks/worker-decoding.js';
import { ConformanceContext } from './conformance-context.js';
import { type ConformanceCheckId, type FieldConformanceOptions, RANDOM_SEED_COUNT } from './field-conformance-options.js';

export interface ConformanceCheck {
  readonly id: ConformanceCheckId;
  readonly title: string;
  /** Set when the check does not apply (it is then registered as skipped, with this reason). */
  readonly skipReason: string | undefined;
  /** Set from `options.knownIssues`: the check is expected to fail for this reason. */
  readonly knownIssue: string | undefined;
  /** Rejects with a ConformanceError (or the codec's own error) when the codec does not conform. */
  run(): Promise<void>;
}

/** The checks of one codec, runnable without vitest. Call `setup()` first and `dispose()` at the end. */
export interface FieldConformance {
  readonly name: string;
  readonly checks: readonly ConformanceCheck[];
  /** Creates the temporary folder. */
  setup(): void;
  /** Removes the temporary folder and every file written (kept when TESSERA_TEST_KIT_KEEP=1). */
  dispose(): void;
}

export function createFieldConformance<TValue>(options: FieldConformanceOptions<TValue>): FieldConformance {
  const context = new ConformanceContext(options as FieldConformanceOptions<unknown>);
  const decoderNames = () => {
    try {
      return context
        .decoders()
        .map(([name]) => `"${name}"`)
        .join(', ');
    } catch {
      return '';
    }
  };
  const isPluginCodec = () => {
    try {
      return context.typeId() === 255;
    } catch {
      return true;
    }
  };
  const invalidCount = options.invalidValues?.length ?? 0;
  const timeHooks = () => {
    try {
      const codec = context.codec();
      return [codec.timeline === undefined ? '' : 'timeline', codec.anchors === undefined ? '' : 'anchors'].filter((hook) => hook !== '').join(' and ');
    } catch {
      return 'timeline';
    }
  };
  const hooks = timeHooks();
  const viewHooks = () => {
    try {
      // An optional field's core wrapper always previews (null, or the inner codec's preview): what counts is the inner codec.
      const codec = context.innerCodec();
      return [codec.preview === undefined ? '' : 'preview', codec.statistics === undefined ? '' : 'statistics'].filter((hook) => hook !== '').join(' and ');
    } catch {
      return 'preview';
    }
  };
  const view = viewHooks();
  const definitions: Array<[ConformanceCheckId, string, (context: ConformanceContext) => Promise<void>, string | undefined]> = [
    ['plugin-shape', 'is a well-formed plugin that its origin rebuilds', checkPluginShape, undefined],
    ['argument-round-trip', 'stores its arguments and identity in the descriptor, with and without the extension block', checkArgumentRoundTrip, undefined],
    ['value-round-trip', `reads back all ${context.samples.length} written values (encode → write → read)`, checkValueRoundTrip, undefined],
    ['deterministic-write', 'writes byte-identical files with workers: 0, workers: 2 and an iterable source', checkDeterministicWrite, undefined],
    ['declared-output', `decodes into exactly the declared output (${decoderNames()})`, checkDeclaredOutput, undefined],
    [
      'random-decoding',
      `decodes with a seeded DecodeContext (${RANDOM_SEED_COUNT} seeds for random decoders): same seed → same output, every byte written, values in range, no Math.random`,
      checkRandomDecoding,
      undefined,
    ],
    ['worker-decoding', 'decodes identically in a worker thread that rebuilds the plugin from its origin', checkWorkerDecoding, undefined],
    [
      'invalid-values',
      `rejects ${invalidCount === 0 ? '' : `${invalidCount} `}invalid values with an error naming field and sample, leaving the target untouched`,
      checkInvalidValues,
      invalidCount === 0 ? 'no invalidValues given' : undefined,
    ],
    [
      'missing-plugin',
      isPluginCodec()
        ? 'names the package and version to install when opened without the plugin'
        : 'opens without the plugin through core (FFCV type id)',
      checkMissingPlugin,
      undefined,
    ],
    ['empty-dataset', 'writes and opens an empty dataset', checkEmptyDataset, undefined],
    [
      'time-axis',
      `places every sample's stream on the time axis (${hooks || 'timeline, anchors'}): finite, stable, the same on a second open${hooks.includes('anchors') ? ', spans counted whatever out holds' : ''}`,
      checkTimeAxis,
      hooks === '' ? 'the codec has no timeline or anchors' : undefined,
    ],
    [
      'preview',
      `shows every sample to a viewer (${view || 'preview, statistics'}): previews pass core's check, repeat exactly and are whole files of their MIME type; statistics keep their names`,
      checkPreview,
      view === '' ? 'the codec has no preview or statistics' : undefined,
    ],
  ];
  return {
    name: options.name,
    checks: definitions.map(([id, title, check, skipReason]) => ({
      id,
      title,
      skipReason,
      knownIssue: options.knownIssues?.[id],
      run: () => check(context),
    })),
    setup: () => context.setup(),
    dispose: () => context.dispose(),
  };
}
