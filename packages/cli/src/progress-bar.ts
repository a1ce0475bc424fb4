import { formatByteLength } from './format-byte-length.js';

/** Where a progress bar draws: stderr in the CLI. */
export interface ProgressStream {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  /** Terminal width in characters (TTY streams have it). */
  readonly columns?: number;
}

export interface ProgressBarOptions {
  /** Shown before the bar, e.g. `writing train.beton`. */
  label: string;
  /** Units (samples) expected in all; undefined when unknown (no percentage, no ETA). */
  total?: number;
  /** Name of the unit counted by `done`. Default `samples`. */
  unit?: string;
  /** Default process.stderr. Never stdout: progress must not mix with a command's output. */
  stream?: ProgressStream;
  /** Without a TTY: print a line each time progress crosses a multiple of this percentage (default 10); 0 prints nothing. */
  percentStep?: number;
  /** On a TTY: least time between two redraws (default 100 ms). */
  redrawIntervalMs?: number;
  /** Clock in milliseconds (tests). Default `performance.now`. */
  now?: () => number;
  /** When the work started, on the `now` clock (default: when the bar is created). */
  startMs?: number;
  /** Text appended to every line, e.g. `2 non-image files skipped`. */
  note?: string;
}

export interface ProgressBar {
  /** Reports absolute progress: `done` units so far and, optionally, bytes so far. Cheap to call often. */
  update(done: number, byteLength?: number): void;
  /**
   * Draws the final state (`done, …`) and ends the line. `endMs` (on the `now` clock) is when the
   * work ended, so the printed time can equal a summary's; default now. Idempotent, as is `fail`.
   */
  finish(endMs?: number): void;
  /** Ends the line for work that failed: `stopped at 192/305 images after …`, never `done`. */
  fail(endMs?: number): void;
}

const BAR_WIDTH = 24;
/**
 * No rate before this much time has passed: a rate over a few milliseconds (the first chunk
 * written while the clock barely moved) is noise, such as "169.7 GiB/s".
 */
export const MIN_RATE_INTERVAL_MS = 1000;

/**
 * A progress bar for long commands (`tessera build ...`). On a TTY it redraws one line in place
 * (at most every `redrawIntervalMs`); otherwise (a log file, CI) it prints a plain line every
 * `percentStep` percent and a summary at `finish()` (or `fail()`), or nothing when `percentStep`
 * is 0. Always on stderr, so it never corrupts piped output.
 */
export function createProgressBar(options: ProgressBarOptions): ProgressBar {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const unit = options.unit ?? 'samples';
  const total = options.total !== undefined && options.total > 0 ? options.total : undefined;
  const interactive = stream.isTTY === true;
  const percentStep = options.percentStep ?? 10;
  const redrawIntervalMs = options.redrawIntervalMs ?? 100;
  const note = options.note === undefined || options.note === '' ? '' : `, ${options.note}`;
  const startMs = options.startMs ?? now();
  let done = 0;
  let byteLength: number | undefined;
  let lastDrawMs = Number.NEGATIVE_INFINITY;
  let nextPercent = percentStep;
  let finished = false;

  function describe(elapsedMs: number): string {
    const parts: string[] = [];
    parts.push(total === undefined ? `${done} ${unit}` : `${done}/${total} ${unit}`);
    if (byteLength !== undefined) {
      const rate = elapsedMs >= MIN_RATE_INTERVAL_MS ? ` (${formatByteLength((byteLength * 1000) / elapsedMs)}/s)` : '';
      parts.push(`${formatByteLength(byteLength)}${rate}`);
    }
    return parts.join(', ');
  }

  function draw(outcome: 'running' | 'done' | 'failed', atMs: number): void {
    const elapsedMs = atMs - startMs;
    let line = `${options.label} `;
    if (total !== undefined) {
      const fraction = Math.min(1, done / total);
      const filled = Math.round(fraction * BAR_WIDTH);
      line += `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
    }
    if (outcome === 'failed') line += 'stopped at ';
    line += describe(elapsedMs);
    if (outcome === 'done') {
      line += ` in ${formatDuration(elapsedMs)}`;
    } else if (outcome === 'failed') {
      line += ` after ${formatDuration(elapsedMs)}`;
    } else if (total !== undefined && done > 0 && done < total && elapsedMs >= MIN_RATE_INTERVAL_MS) {
      line += `, ETA ${formatDuration(((total - done) * elapsedMs) / done)}`;
    }
    line += note;
    const width = (stream.columns ?? 80) - 1;
    if (line.length > width) line = `${line.slice(0, Math.max(0, width - 1))}…`;
    stream.write(`\r\x1b[2K${line}${outcome === 'running' ? '' : '\n'}`);
  }

  function end(outcome: 'done' | 'failed', endMs: number | undefined): void {
    if (finished) return;
    finished = true;
    const atMs = endMs ?? now();
    if (interactive) {
      draw(outcome, atMs);
    } else if (percentStep > 0) {
      const elapsed = formatDuration(atMs - startMs);
      stream.write(
        outcome === 'done'
          ? `${options.label}: done, ${describe(atMs - startMs)} in ${elapsed}${note}\n`
          : `${options.label}: stopped at ${describe(atMs - startMs)} after ${elapsed}${note}\n`,
      );
    }
  }

  return {
    update(doneNow, byteLengthNow) {
      if (finished) return;
      done = doneNow;
      if (byteLengthNow !== undefined) byteLength = byteLengthNow;
      if (interactive) {
        const nowMs = now();
        if (nowMs - lastDrawMs < redrawIntervalMs) return;
        lastDrawMs = nowMs;
        draw('running', nowMs);
        return;
      }
      if (percentStep <= 0 || total === undefined) return;
      const percent = (done / total) * 100;
      if (percent < nextPercent || percent >= 100) return;
      while (nextPercent <= percent) nextPercent += percentStep;
      stream.write(`${options.label}: ${Math.floor(percent)}% (${describe(now() - startMs)}${note})\n`);
    },
    finish(endMs) {
      end('done', endMs);
    },
    fail(endMs) {
      end('failed', endMs);
    },
  };
}

export function formatDuration(durationMs: number): string {
  if (durationMs < 1000) return `${Math.round(durationMs)} ms`;
  const seconds = durationMs / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
