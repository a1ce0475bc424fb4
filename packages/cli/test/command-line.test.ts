import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/command-line.js';
import { UsageError } from '../src/usage-error.js';

const OPTIONS = {
  json: { type: 'boolean', description: 'json' },
  range: { type: 'string', description: 'range' },
  plugin: { type: 'string', multiple: true, description: 'plugin' },
  help: { type: 'boolean', short: 'h', description: 'help' },
} as const;

describe('parseCommandLine', () => {
  it('parses booleans, values (separate or after =), repeatable options and positionals', () => {
    const parsed = parseCommandLine(['file', '--json', '--range', '1:2', '--plugin=a', '--plugin', 'b', '-h'], OPTIONS, 'dump');
    expect(parsed).toEqual({ options: { json: true, range: '1:2', plugin: ['a', 'b'], help: true }, positionals: ['file'] });
  });

  it('gives defaults for absent options', () => {
    expect(parseCommandLine([], OPTIONS, 'dump').options).toEqual({ json: false, range: undefined, plugin: [], help: false });
  });

  it('takes the next argument as the value even when it starts with a dash', () => {
    expect(parseCommandLine(['--range', '-1:5'], OPTIONS, 'dump').options.range).toBe('-1:5');
  });

  it('treats everything after -- as positionals, and a lone - as a positional', () => {
    expect(parseCommandLine(['--', '--json', '-'], OPTIONS, 'dump').positionals).toEqual(['--json', '-']);
    expect(parseCommandLine(['-'], OPTIONS, 'dump').positionals).toEqual(['-']);
  });

  it.each([[['--nope']], [['-x']], [['--json=1']], [['--range']], [['--range', 'a', '--range', 'b']]])('rejects %j', (argv) => {
    expect(() => parseCommandLine(argv, OPTIONS, 'dump')).toThrow(UsageError);
  });
});
