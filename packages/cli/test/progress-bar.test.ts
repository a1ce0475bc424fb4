import { describe, expect, it } from 'vitest';
import { createBuildProgress } from '../src/build-progress.js';
import { createProgressBar } from '../src/index.js';
import { MIN_RATE_INTERVAL_MS } from '../src/progress-bar.js';
import { CapturedStream } from './helpers/run-captured.js';

function createStream(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 100, write: (text: string) => writes.push(text) } };
}

describe('createProgressBar', () => {
  it('without a TTY prints a line each time progress crosses a step, and a summary at finish', () => {
    const { writes, stream } = createStream(false);
    let clockMs = 0;
    const bar = createProgressBar({ label: 'writing x.beton', total: 200, stream, percentStep: 25, now: () => clockMs });
    bar.update(10, 1000);
    expect(writes).toEqual([]);
    clockMs = 1000;
    bar.update(60, 6 * 1024 * 1024);
    bar.update(70, 7 * 1024 * 1024);
    clockMs = 2000;
    bar.update(160, 16 * 1024 * 1024);
    bar.update(200, 20 * 1024 * 1024);
    bar.finish();
    bar.finish();
    expect(writes).toEqual([
      'writing x.beton: 30% (60/200 samples, 6 MiB (6 MiB/s))\n',
      'writing x.beton: 80% (160/200 samples, 16 MiB (8 MiB/s))\n',
      'writing x.beton: done, 200/200 samples, 20 MiB (10 MiB/s) in 2.0 s\n',
    ]);
  });

  it('without a TTY and with percentStep 0 prints nothing', () => {
    const { writes, stream } = createStream(false);
    const bar = createProgressBar({ label: 'x', total: 10, stream, percentStep: 0 });
    bar.update(5);
    bar.finish();
    expect(writes).toEqual([]);
  });

  it('without a total prints only the summary', () => {
    const { writes, stream } = createStream(false);
    const bar = createProgressBar({ label: 'reading', stream, unit: 'rows', now: () => 0 });
    bar.update(5);
    bar.update(50);
    bar.finish();
    expect(writes).toEqual(['reading: done, 50 rows in 0 ms\n']);
  });

  it('on a TTY redraws one line in place, at most every redrawIntervalMs, and ends it at finish', () => {
    const { writes, stream } = createStream(true);
    let clockMs = 0;
    const bar = createProgressBar({ label: 'build', total: 100, stream, redrawIntervalMs: 100, now: () => clockMs });
    bar.update(10);
    clockMs = 50;
    bar.update(20); // too soon: skipped
    clockMs = 150;
    bar.update(50, 2048);
    clockMs = 300;
    bar.finish();
    expect(writes).toHaveLength(3);
    for (const write of writes) expect(write.startsWith('\r\x1b[2K')).toBe(true);
    // No rate and no ETA before MIN_RATE_INTERVAL_MS: over 150 ms they would be noise.
    expect(writes[0]).toMatch(/build \[#{2}-{22}\] {2}10% 10\/100 samples$/);
    expect(writes[1]).toMatch(/build \[#{12}-{12}\] {2}50% 50\/100 samples, 2 KiB$/);
    expect(writes[2]).toMatch(/build \[#{12}-{12}\] {2}50% 50\/100 samples, 2 KiB in 300 ms\n$/);
    expect(writes.join('').split('\n')).toHaveLength(2);
  });

  it('truncates the line to the terminal width', () => {
    const writes: string[] = [];
    const bar = createProgressBar({ label: 'x'.repeat(200), total: 10, stream: { isTTY: true, columns: 40, write: (text: string) => writes.push(text) } });
    bar.update(1);
    expect(writes[0]!.replace('\r\x1b[2K', '').length).toBe(39);
  });

  it('prints no rate over less than MIN_RATE_INTERVAL_MS (the first chunk would read 169.7 GiB/s), then the true average', () => {
    const { writes, stream } = createStream(false);
    let clockMs = 0;
    const bar = createProgressBar({ label: 'writing x.beton', total: 100, stream, percentStep: 10, now: () => clockMs });
    clockMs = 2; // 2 ms in: 10 MiB already handed to the writer
    bar.update(20, 10 * 1024 * 1024);
    clockMs = MIN_RATE_INTERVAL_MS;
    bar.update(40, 20 * 1024 * 1024);
    clockMs = 4000;
    bar.finish();
    expect(writes).toEqual([
      'writing x.beton: 20% (20/100 samples, 10 MiB)\n',
      'writing x.beton: 40% (40/100 samples, 20 MiB (20 MiB/s))\n',
      'writing x.beton: done, 40/100 samples, 20 MiB (5 MiB/s) in 4.0 s\n',
    ]);
  });

  it('fail() ends with "stopped at", never "done"; finish(endMs) and a note', () => {
    const { writes, stream } = createStream(false);
    const failing = createProgressBar({ label: 'writing x.beton', total: 305, unit: 'images', stream, percentStep: 0, now: () => 137, note: '1 non-image file skipped' });
    failing.update(192);
    failing.fail();
    failing.finish();
    expect(writes).toEqual([]); // percentStep 0 prints nothing, not even the end
    const bar = createProgressBar({ label: 'writing x.beton', total: 305, unit: 'images', stream, now: () => 900, startMs: 6, note: '1 non-image file skipped' });
    bar.update(192);
    bar.fail(143);
    bar.finish();
    expect(writes).toEqual([
      'writing x.beton: 62% (192/305 images, 1 non-image file skipped)\n',
      'writing x.beton: stopped at 192/305 images after 137 ms, 1 non-image file skipped\n',
    ]);
  });
});

describe('createBuildProgress', () => {
  it('times phases and the whole build on one clock: the bars print the durations the summary reports', () => {
    const stderr = Object.assign(new CapturedStream(), { isTTY: false });
    const context = { stdout: new CapturedStream(), stderr, env: {}, cwd: process.cwd() };
    let clockMs = 100;
    const progress = createBuildProgress({ target: 'x.beton', quiet: false, context, now: () => clockMs });
    clockMs = 150; // listing the folder: before any phase
    progress.setNote('2 non-image files skipped');
    progress.update('validating', { done: 0, total: 4, unit: 'images' });
    clockMs = 400;
    progress.update('validating', { done: 4, total: 4, unit: 'images' });
    clockMs = 450;
    progress.update('writing', { done: 0, total: 3, unit: 'images', byteLength: 0 });
    clockMs = 1350;
    progress.update('writing', { done: 2, total: 3, unit: 'images', byteLength: 4096 });
    progress.fail();
    clockMs = 5000;
    expect(progress.elapsedMs()).toBe(1250);
    expect(progress.phaseElapsedMs()).toEqual({ validating: 300, writing: 900 });
    expect(stderr.text).toBe(
      'validating x.beton: done, 4/4 images in 300 ms, 2 non-image files skipped\n' +
        'writing x.beton: 66% (2/3 images, 4 KiB, 2 non-image files skipped)\n' +
        'writing x.beton: stopped at 2/3 images, 4 KiB after 900 ms, 2 non-image files skipped\n',
    );
  });
});
