import type { CommandContext } from './command.js';
import { type ProgressBar, type ProgressStream, createProgressBar } from './progress-bar.js';

/** What a phase reports: units done of `total` (undefined: unknown), and bytes when they mean something. */
export interface PhaseReport {
  done: number;
  total: number | undefined;
  unit: string;
  byteLength?: number;
}

/**
 * Progress and timing of a `tessera build` command, phase by phase (validating, writing; reading,
 * tokenizing, packing). ONE clock for everything printed: a phase starts at its first report and
 * ends when the next starts or the build ends, and the summary's `elapsedMs` and `phaseElapsedMs`
 * are read from the same instants as the bars' `in …` times, so they always agree.
 */
export interface BuildProgress {
  /** Reports progress of `phase`, starting it (and ending the previous one) if it is new. */
  update(phase: string, report: PhaseReport): void;
  /** Text appended to every progress line from now on (e.g. `3 non-image files skipped`). */
  setNote(note: string | undefined): void;
  /** The build succeeded: ends the last phase (`done, …`). */
  finish(): void;
  /** The build failed: ends the last phase with `stopped at …` (never `done`). */
  fail(): void;
  /** Milliseconds from the command's start to finish()/fail() (or to now, before). */
  elapsedMs(): number;
  /** Each phase's duration, in the order the phases ran. */
  phaseElapsedMs(): Record<string, number>;
}

export function createBuildProgress(options: {
  /** Shown after the phase name, e.g. `train.beton`. */
  target: string;
  quiet: boolean;
  context: CommandContext;
  now?: () => number;
}): BuildProgress {
  const now = options.now ?? (() => performance.now());
  const startMs = now();
  const stream = options.context.stderr as unknown as ProgressStream;
  const phases: Array<{ name: string; startMs: number; endMs: number | undefined }> = [];
  let bar: ProgressBar | undefined;
  let note: string | undefined;
  let endMs: number | undefined;

  function end(outcome: 'done' | 'failed'): void {
    if (endMs !== undefined) return;
    endMs = now();
    const current = phases.at(-1);
    if (current !== undefined) current.endMs = endMs;
    if (outcome === 'done') bar?.finish(endMs);
    else bar?.fail(endMs);
  }

  return {
    update(phase, report) {
      if (endMs !== undefined) return;
      const current = phases.at(-1);
      if (current?.name !== phase) {
        const phaseStartMs = now();
        if (current !== undefined) current.endMs = phaseStartMs;
        bar?.finish(phaseStartMs);
        phases.push({ name: phase, startMs: phaseStartMs, endMs: undefined });
        bar = options.quiet
          ? undefined
          : createProgressBar({ label: `${phase} ${options.target}`, total: report.total, unit: report.unit, stream, now, startMs: phaseStartMs, note });
      }
      bar?.update(report.done, report.byteLength);
    },
    setNote(text) {
      note = text;
    },
    finish() {
      end('done');
    },
    fail() {
      end('failed');
    },
    elapsedMs() {
      return (endMs ?? now()) - startMs;
    },
    phaseElapsedMs() {
      const durations: Record<string, number> = {};
      for (const phase of phases) durations[phase.name] = (phase.endMs ?? endMs ?? now()) - phase.startMs;
      return durations;
    },
  };
}
