import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/util/worker-exec-argv.js';

describe('worker threads and the parent’s Node options', () => {
  it('drops options that only apply to the main entry point, keeps the rest', () => {
    expect(workerExecArgv(['--input-type=module', '--max-old-space-size=4096', '--import', 'tsx', '-e', 'code', '--conditions=dev'])).toEqual([
      '--max-old-space-size=4096',
      '--import',
      'tsx',
      '--conditions=dev',
    ]);
    expect(workerExecArgv(['--input-type', 'module', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    // Nothing to drop: undefined, so the worker inherits exactly as Node does (--expose-gc included).
    expect(workerExecArgv(['--expose-gc', '--enable-source-maps'])).toBeUndefined();
  });

  it('a script run with `node --input-type=module -e` writes and loads with worker threads', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tessera-exec-argv-')), 'eval.beton');
    const script = `
      import { createLoader, int64, writeDataset } from '@tessera/core';
      await writeDataset(${JSON.stringify(path)}, { label: int64() }, Array.from({ length: 64 }, (_, index) => ({ label: index })), { workers: 2 });
      const loader = createLoader(${JSON.stringify(path)}, { batchSize: 16, workers: 2 });
      let sum = 0;
      for await (const batch of loader) for (const value of batch.label.data) sum += Number(value);
      await loader.close();
      console.log(sum);`;
    const result = spawnSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], { cwd: import.meta.dirname, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.stdout.trim()).toBe(String((63 * 64) / 2));
  });
});
