import { spawnSync } from 'node:child_process';
import { enqueueShardedBuild, runBuildWorker, shardOutputPath, waitForBuild } from '@tessera/bullmq';
import { describe, expect, it } from 'vitest';
import { BULLMQ_CLI } from './helpers/tessera-cli.js';

// Nothing listens here: every call below must fail on its options before connecting.
const connection = { host: '127.0.0.1', port: 1 };
const build = { args: ['table', 'rows.csv', '--field', 'label=int64'], output: 'train.beton' };
const valid = { connection, queueName: 'q', build, shards: 3, mergeOutput: 'merged.beton' };

describe('shardOutputPath', () => {
  it('fills a pattern, or puts .shard-I-of-N before .beton', () => {
    expect(shardOutputPath('shards/train-{index}-of-{count}.beton', 2, 6)).toBe('shards/train-2-of-6.beton');
    expect(shardOutputPath('train.beton', 0, 3)).toBe('train.shard-0-of-3.beton');
    expect(shardOutputPath('/data/train', 2, 3)).toBe('/data/train.shard-2-of-3.beton');
    expect(() => shardOutputPath('train-{count}.beton', 0, 2)).toThrow(/has \{count\} but no \{index\}/);
    expect(() => shardOutputPath('train.beton', 3, 3)).toThrow(/from 0 to count - 1/);
  });
});

describe('option mistakes are E_ARGUMENT naming the option, before any connection', () => {
  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ['no shards', { shards: undefined }, /shards \(the number of shard jobs\) is required/],
    ['0 shards', { shards: 0 }, /shards must be an integer from 1 to 10000/],
    ['a queue name with :', { queueName: 'a:b' }, /contains ':'/],
    ['args with the leading build', { build: { ...build, args: ['build', 'table', 'rows.csv'] } }, /leave out the leading 'build'/],
    ['args with --shard', { build: { ...build, args: ['table', 'rows.csv', '--shard', '1'] } }, /must not hold --shard/],
    ['args with -o', { build: { ...build, args: ['table', 'rows.csv', '-o', 'x.beton'] } }, /must not hold -o/],
    ['args with --output=', { build: { ...build, args: ['table', 'rows.csv', '--output=x.beton'] } }, /must not hold --output/],
    ['args ending in an output file', { build: { ...build, args: ['table', 'rows.csv', 'out.beton'] } }, /ends with out\.beton, an output file/],
    ['args that are not strings', { build: { ...build, args: ['table', 3] } }, /build\.args must be the arguments after `tessera build`/],
    ['a pattern without {index}', { build: { ...build, output: 'train-{count}.beton' } }, /no \{index\}/],
    ['the merge written over a shard', { mergeOutput: 'train.shard-1-of-3.beton' }, /is also a shard's file/],
    ['a numeric build id', { buildId: '42' }, /not only digits/],
    ['a build id with :', { buildId: 'a:b' }, /letters, digits/],
    ['attempts 0', { attempts: 0 }, /attempts must be an integer from 1/],
    ['a bad backoff', { backoff: 'soon' }, /backoff must be milliseconds or BullMQ backoff options/],
    ['no connection', { connection: undefined }, /connection must be BullMQ connection options/],
  ];
  for (const [name, change, message] of cases) {
    it(`enqueueShardedBuild: ${name}`, async () => {
      await expect(enqueueShardedBuild({ ...valid, ...change } as never)).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(message) });
    });
  }

  it('runBuildWorker and waitForBuild', async () => {
    await expect(runBuildWorker({ connection, queueName: 'q', concurrency: 0 })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(/concurrency must be an integer from 1/) });
    await expect(runBuildWorker({ connection, queueName: 'q', tesseraCommand: [] })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(/tesseraCommand must be a non-empty array/) });
    await expect(runBuildWorker({ connection, queueName: 'q', lockDurationMs: 5 })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(/lockDurationMs/) });
    await expect(waitForBuild({ connection, queueName: 'q', mergeJobId: '' })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(/mergeJobId/) });
    await expect(waitForBuild({ connection, queueName: 'q', mergeJobId: 'x', timeoutMs: 0 })).rejects.toMatchObject({ code: 'E_ARGUMENT', message: expect.stringMatching(/timeoutMs/) });
  });

  it('an unreachable Redis is E_WORKER naming it, after connectTimeoutMs', async () => {
    await expect(enqueueShardedBuild({ ...valid, connectTimeoutMs: 300 })).rejects.toMatchObject({
      code: 'E_WORKER',
      message: expect.stringMatching(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:1 within 300 ms \(last error: .*ECONNREFUSED/),
    });
  });
});

describe('tessera-bullmq command line', () => {
  const run = (args: string[]) => spawnSync(process.execPath, [BULLMQ_CLI, ...args], { encoding: 'utf8' });

  it('prints its help, and exits 2 with one line for a bad command line', () => {
    const help = run(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('tessera-bullmq enqueue --shards N');
    for (const [args, message] of [
      [['launch'], /unknown command "launch"/],
      [['enqueue', '--output', 'x', '--merge-output', 'y', '--', 'table', 'rows.csv'], /enqueue needs --shards N/],
      [['enqueue', '--shards', 'two', '--output', 'x', '--merge-output', 'y', '--', 'table'], /--shards must be an integer/],
      [['enqueue', '--shards', '2', '--output', 'x', '--merge-output', 'y'], /needs the build after --/],
      [['enqueue', '--shards', '2', '--output', 'x', '--merge-output', 'y', 'table', '--field', 'a=int64'], /Unknown option '--field'.*put the build arguments after --/],
      [['worker', '--redis', 'http://x'], /--redis must be a redis:\/\/ or rediss:\/\/ URL/],
      [['worker', 'extra'], /worker takes no arguments/],
    ] as const) {
      const result = run([...args]);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^tessera-bullmq: E_USAGE: [^\n]+\n$/);
      expect(result.stderr).toMatch(message);
    }
  });
});
