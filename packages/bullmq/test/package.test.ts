import { readFileSync, readdirSync } from 'node:fs';
import * as bullmqPackage from '@tessera/bullmq';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

describe('package hygiene', () => {
  it('is ESM with types first, and ships the tessera-bullmq bin', () => {
    expect(packageJson.type).toBe('module');
    expect(packageJson.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    expect(Object.keys(packageJson.exports['.'])).toEqual(['types', 'import']);
    expect(packageJson.files).toContain('dist');
    expect(packageJson.bin).toEqual({ 'tessera-bullmq': './dist/cli.js' });
    expect(readFileSync(new URL('../dist/cli.js', import.meta.url), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    expect(readdirSync(new URL('../dist/', import.meta.url))).toContain('index.d.ts');
  });

  it('peer-depends on @tessera/core and carries BullMQ, its Redis client and the tessera CLI it runs', () => {
    expect(packageJson.peerDependencies).toEqual({ '@tessera/core': 'workspace:^' });
    expect(Object.keys(packageJson.dependencies)).toEqual(['@tessera/cli', 'bullmq', 'ioredis']);
  });

  it('exports the public API', () => {
    expect(Object.keys(bullmqPackage).sort()).toEqual([
      'BUILD_JOB_VERSION',
      'BuildJobError',
      'MAX_SHARDS',
      'MERGE_JOB_NAME',
      'SHARD_JOB_NAME',
      'TesseraCommandError',
      'enqueueShardedBuild',
      'runBuildWorker',
      'shardOutputPath',
      'waitForBuild',
    ]);
  });
});
