import { describe, expect, it } from 'vitest';
import { createProgressBar } from '../src/index.js';

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
    expect(writes[0]).toMatch(/build \[#{2}-{22}\] {2}10% 10\/100 samples, ETA 0 ms$/);
    expect(writes[1]).toMatch(/build \[#{12}-{12}\] {2}50% 50\/100 samples, 2 KiB \(13\.3 KiB\/s\), ETA 150 ms$/);
    expect(writes[2]).toMatch(/build \[#{12}-{12}\] {2}50% 50\/100 samples, 2 KiB \(6\.7 KiB\/s\) in 300 ms\n$/);
    expect(writes.join('').split('\n')).toHaveLength(2);
  });

  it('truncates the line to the terminal width', () => {
    const writes: string[] = [];
    const bar = createProgressBar({ label: 'x'.repeat(200), total: 10, stream: { isTTY: true, columns: 40, write: (text: string) => writes.push(text) } });
    bar.update(1);
    expect(writes[0]!.replace('\r\x1b[2K', '').length).toBe(39);
  });
});
