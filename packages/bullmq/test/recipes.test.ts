import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerScript, readRecipes, recipe, yamlValue } from './helpers/doc-recipes.js';
import { TABLE_FIELDS, readSamples, runTessera, writeBinFolder, writeTable } from './helpers/tessera-cli.js';

/**
 * The job-array recipes of docs/scale-out.md, run as written: the shell lines are read from the
 * doc's code blocks (so doc and test cannot drift) and run by bash with the variables the
 * scheduler would set, then compared with a single-machine build of the same table.
 */
const ROWS = 250;
const SHARDS = 6;
const recipes = readRecipes();
let directory: string;
let bin: string;
const reference = { samples: [] as unknown[], shards: [] as Buffer[], merged: Buffer.alloc(0) };

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'tessera-bullmq-recipes-'));
  bin = writeBinFolder(join(directory, 'bin'));
  writeTable(join(directory, 'reference', 'rows.csv'), ROWS);
  const build = ['build', 'table', 'rows.csv', ...TABLE_FIELDS, '-q'];
  runTessera([...build, '--output', 'whole.beton'], join(directory, 'reference'));
  const shards = Array.from({ length: SHARDS }, (_, index) => `shard-${index}.beton`);
  for (const [index, shard] of shards.entries()) runTessera([...build, '--shard', String(index), '--of', String(SHARDS), '--output', shard], join(directory, 'reference'));
  runTessera(['merge', 'merged.beton', ...shards], join(directory, 'reference'));
  reference.samples = readSamples(join(directory, 'reference', 'whole.beton'));
  reference.shards = shards.map((shard) => readFileSync(join(directory, 'reference', shard)));
  reference.merged = readFileSync(join(directory, 'reference', 'merged.beton'));
});

afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** A fresh DATA folder holding the table. */
function dataFolder(name: string): string {
  const data = join(directory, name);
  writeTable(join(data, 'rows.csv'), ROWS);
  return data;
}

function bash(script: string, options: { cwd: string; env: Record<string, string> }): void {
  const result = spawnSync('bash', ['-c', script], { cwd: options.cwd, env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, ...options.env }, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`bash exited with ${result.status ?? result.signal} running:\n${script}\n${result.stdout}${result.stderr}`);
}

/** The recipe's shards and merged file hold what the single-machine builds hold. */
function expectSameAsSingleMachine(data: string): void {
  for (let index = 0; index < SHARDS; index++) {
    expect(readFileSync(join(data, 'shards', `train-${index}-of-${SHARDS}.beton`)).equals(reference.shards[index]!), `shard ${index}`).toBe(true);
  }
  const merged = join(data, 'train.beton');
  expect(readFileSync(merged).equals(reference.merged)).toBe(true);
  expect(readSamples(merged)).toEqual(reference.samples);
  runTessera(['verify', merged], data);
}

describe('the Kubernetes Indexed Job recipe', () => {
  it('runs its pod script once per JOB_COMPLETION_INDEX, then the merge Job script, and gets the single-machine build', () => {
    const shards = recipe(recipes, 'kubernetes-shards');
    const merge = recipe(recipes, 'kubernetes-merge');
    expect(yamlValue(shards.text, 'completionMode')).toBe('Indexed');
    const completions = Number(yamlValue(shards.text, 'completions'));
    expect(completions).toBe(SHARDS);
    for (const job of [shards, merge]) expect(yamlValue(job.text, 'command')).toBe('["bash", "-c"]');
    const data = dataFolder('kubernetes');
    for (let index = 0; index < completions; index++) bash(containerScript(shards.text), { cwd: directory, env: { DATA: data, JOB_COMPLETION_INDEX: String(index) } });
    bash(containerScript(merge.text), { cwd: directory, env: { DATA: data } });
    expectSameAsSingleMachine(data);
  });

  it('applies the files and waits for the Job the YAML names', () => {
    const run = recipe(recipes, 'kubernetes-run').text.trim().split('\n');
    expect(run).toEqual([
      `kubectl apply -f ${recipe(recipes, 'kubernetes-shards').file}`,
      `kubectl wait --for=condition=complete --timeout=24h job/${yamlValue(recipe(recipes, 'kubernetes-shards').text, 'name')}`,
      `kubectl apply -f ${recipe(recipes, 'kubernetes-merge').file}`,
    ]);
  });
});

/**
 * A stand-in for Slurm's sbatch: runs the script's `#SBATCH --array=A-B` tasks (or the script
 * once) right away with SLURM_ARRAY_TASK_ID and SLURM_CPUS_PER_TASK set as Slurm sets them,
 * refuses a job whose `--dependency=afterok:ID` did not complete, and prints the job id
 * (`--parsable`) or Slurm's "Submitted batch job ID".
 */
const FAKE_SBATCH = `#!/bin/bash
set -u
parsable=0
dependency=""
while [ $# -gt 1 ]; do
  case "$1" in
    --parsable) parsable=1 ;;
    --dependency=*) dependency="\${1#--dependency=}" ;;
    *) echo "sbatch (test stand-in): unsupported option $1" >&2; exit 2 ;;
  esac
  shift
done
script="$1"
if [ -n "$dependency" ]; then
  case "$dependency" in afterok:*) ;; *) echo "sbatch (test stand-in): only afterok dependencies" >&2; exit 2 ;; esac
  for id in $(echo "\${dependency#afterok:}" | tr ':' ' '); do
    if [ "$(cat "$FAKE_SLURM_STATE/$id" 2>/dev/null)" != COMPLETED ]; then echo "sbatch: dependency afterok:$id is never satisfied" >&2; exit 1; fi
  done
fi
id=$(( $(cat "$FAKE_SLURM_STATE/counter" 2>/dev/null || echo 1000) + 1 ))
echo "$id" > "$FAKE_SLURM_STATE/counter"
array=$(sed -n 's/^#SBATCH --array=//p' "$script")
cpus=$(sed -n 's/^#SBATCH --cpus-per-task=//p' "$script")
state=COMPLETED
if [ -n "$array" ]; then
  for task in $(seq "\${array%-*}" "\${array#*-}"); do
    SLURM_JOB_ID="$id" SLURM_ARRAY_JOB_ID="$id" SLURM_ARRAY_TASK_ID="$task" SLURM_CPUS_PER_TASK="\${cpus:-1}" bash "$script" > "$FAKE_SLURM_STATE/$id-$task.log" 2>&1 || state=FAILED
  done
else
  SLURM_JOB_ID="$id" bash "$script" > "$FAKE_SLURM_STATE/$id.log" 2>&1 || state=FAILED
fi
echo "$state" > "$FAKE_SLURM_STATE/$id"
if [ "$parsable" = 1 ]; then echo "$id"; else echo "Submitted batch job $id"; fi
`;

describe('the Slurm array recipe', () => {
  it('submits the array, then the merge after it (afterok), and gets the single-machine build', () => {
    const shards = recipe(recipes, 'slurm-shards');
    const merge = recipe(recipes, 'slurm-merge');
    expect(shards.text).toContain(`#SBATCH --array=0-${SHARDS - 1}\n`);
    const data = dataFolder('slurm');
    const submitFolder = join(directory, 'slurm-submit');
    const state = join(directory, 'slurm-state');
    mkdirSync(submitFolder);
    mkdirSync(state);
    for (const script of [shards, merge]) writeFileSync(join(submitFolder, script.file!), script.text);
    writeFileSync(join(bin, 'sbatch'), FAKE_SBATCH);
    chmodSync(join(bin, 'sbatch'), 0o755);
    try {
      bash(recipe(recipes, 'slurm-submit').text, { cwd: submitFolder, env: { DATA: data, FAKE_SLURM_STATE: state } });
    } finally {
      rmSync(join(bin, 'sbatch'));
    }
    // Job 1001 is the array (6 tasks), 1002 the merge that depended on it.
    expect(readFileSync(join(state, '1001'), 'utf8')).toBe('COMPLETED\n');
    expect(readFileSync(join(state, '1002'), 'utf8')).toBe('COMPLETED\n');
    expectSameAsSingleMachine(data);
  });
});
