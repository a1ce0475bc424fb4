import type { Writable } from 'node:stream';
import { type Dataset, PluginError } from '@tessera/core';
import { createBufferedOutput } from '../buffered-output.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { stringifyJson } from '../json-lines.js';
import { PLUGIN_OPTION } from '../load-plugins.js';
import { openDatasetFile } from '../open-dataset-file.js';
import {
  type SampleSelection,
  parseSampleRequest,
  resolveSampleSelection,
  selectedIndex,
  selectionLength,
} from '../sample-selection.js';
import { UsageError } from '../usage-error.js';

/**
 * The key of the sample index in each line: "index", unless a dumped field has that name; then
 * "_index", "__index"... (the first free one), so no key is ever written twice.
 */
export function chooseIndexKey(fieldNames: readonly string[]): string {
  let key = 'index';
  while (fieldNames.includes(key)) key = `_${key}`;
  return key;
}

/** `--fields a,b` in the order given, duplicates dropped; undefined when every field is wanted. */
function parseFieldNames(fieldsOption: string | undefined): string[] | undefined {
  if (fieldsOption === undefined) return undefined;
  const names = [...new Set(fieldsOption.split(',').map((name) => name.trim()))].filter((name) => name !== '');
  if (names.length === 0) throw new UsageError(`--fields takes comma-separated field names, got ${JSON.stringify(fieldsOption)}`, 'dump');
  return names;
}

/** The fields to dump: the requested ones (each checked against the file) or every field in file order. */
function selectFields(dataset: Dataset, requested: string[] | undefined): string[] {
  if (requested === undefined) return dataset.fields.map((field) => field.name);
  // Throws E_UNKNOWN_FIELD naming the fields that exist.
  for (const name of requested) dataset.field(name);
  return requested;
}

/**
 * Writes one JSON line per selected sample. Streams: memory stays bounded by one output chunk
 * whatever the number of samples, and the loop only awaits when stdout is full. Stops quietly
 * (exit code 0) when the reader goes away (`| head`).
 */
async function writeSamples(dataset: Dataset, fieldNames: readonly string[], selection: SampleSelection, stdout: Writable): Promise<void> {
  const indexKey = `{${JSON.stringify(chooseIndexKey(fieldNames))}: `;
  const fieldKeys = fieldNames.map((name) => `, ${JSON.stringify(name)}: `);
  const output = createBufferedOutput(stdout);
  const count = selectionLength(selection);
  try {
    for (let position = 0; position < count && !output.closed; position++) {
      const sampleIndex = selectedIndex(selection, position);
      let line = `${indexKey}${sampleIndex}`;
      for (let field = 0; field < fieldNames.length; field++) {
        line += fieldKeys[field]! + renderValue(dataset, sampleIndex, fieldNames[field]!);
      }
      if (output.write(`${line}}\n`)) await output.drain();
    }
    await output.flush();
  } catch (error) {
    // The lines before a failing sample are valid: hand them over before the error is reported.
    await output.flush().catch(() => {});
    throw error;
  } finally {
    output.dispose();
  }
}

function renderValue(dataset: Dataset, sampleIndex: number, fieldName: string): string {
  const value = dataset.toJSON(sampleIndex, fieldName);
  try {
    return stringifyJson(value);
  } catch (error) {
    const field = dataset.fields.find((candidate) => candidate.name === fieldName);
    throw new PluginError(
      'E_PLUGIN',
      `field "${fieldName}" sample ${sampleIndex}: the value from ${field?.plugin ?? 'its plugin'}'s toJSON() cannot be written as JSON: ${error instanceof Error ? error.message : String(error)}`,
      { plugin: field?.plugin, hook: 'toJSON', field: fieldName, sampleIndex, cause: error },
    );
  }
}

export const dumpCommand = defineCommand({
  name: 'dump',
  summary: 'print samples as JSON lines',
  positionalNames: ['FILE'],
  description: [
    'Prints one JSON object per sample and line: {"index": 0, "<field>": value, ...}, fields in file',
    'order (or --fields order). Values are the codecs\' dump rendering: 64-bit integers keep every digit',
    '(bare integers, also beyond 2^53), NaN/Infinity/-Infinity are the bare tokens NaN, Infinity,',
    '-Infinity, as Python\'s json.dumps writes them (FFCV\'s JSON fields hold them so), so a number NaN',
    'never looks like the string "NaN"; such lines parse with Python\'s json.loads but not JSON.parse.',
    '-0 stays -0, arrays are {"dtype", "shape", "data"}, bytes are {"byteLength", "sha256"}.',
    'If a dumped field is itself named "index", the sample index key becomes "_index".',
    '',
    'JSON lines is the only format; --json is accepted for symmetry with the other commands.',
    '',
    'Exit codes: 0 printed (also when the reader stops early, e.g. `| head`), 1 the file is corrupt',
    'or a field or sample index does not exist (E_UNKNOWN_FIELD, E_SAMPLE_INDEX), 2 bad command line.',
  ].join('\n'),
  options: {
    samples: { type: 'string', valueName: 'I,J,...', description: 'dump these sample indices, in this order' },
    range: { type: 'string', valueName: 'START:END', description: 'dump samples START (included) to END (excluded)' },
    fields: { type: 'string', valueName: 'A,B,...', description: 'dump only these fields, in this order' },
    json: { type: 'boolean', description: 'JSON lines output (the default and only format)' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const request = parseSampleRequest(options, 'dump');
    const requestedFields = parseFieldNames(options.fields);
    const dataset = await openDatasetFile(positionals[0]!, options.plugin, context, 'dump');
    try {
      const fieldNames = selectFields(dataset, requestedFields);
      const selection = resolveSampleSelection(request, dataset.numSamples);
      await writeSamples(dataset, fieldNames, selection, context.stdout);
    } finally {
      dataset.close();
    }
    return EXIT_CODE.SUCCESS;
  },
});
