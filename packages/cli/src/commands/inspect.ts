import { type Dataset, type DatasetField, type DatasetLayout, type FfcvLoaderSafety, type Header, type JsonValue, type SidecarBase, ffcvLoaderSafety } from '@tessera/core';
import { spec } from '@tessera/core/internals';
import { createBufferedOutput } from '../buffered-output.js';
import { defineCommand } from '../command.js';
import { EXIT_CODE } from '../exit-code.js';
import { formatByteLength } from '../format-byte-length.js';
import { stringifyJson } from '../json-lines.js';
import { PLUGIN_OPTION } from '../load-plugins.js';
import { openDatasetFile } from '../open-dataset-file.js';
import { formatTextTable, indentLines } from '../text-table.js';

/** What `tessera inspect --json` prints (one object). Nothing here is verified: see `tessera verify`. */
export interface InspectReport {
  path: string;
  fileByteLength: number;
  header: Header;
  numSamples: number;
  fields: DatasetField[];
  layout: Omit<DatasetLayout, 'extensionOffset'> & { extensionOffset: number | null };
  /** Bytes referenced by the allocation table (payloads, without page padding or abandoned bytes). */
  payloadByteLength: number;
  /** payloadByteLength / (numPages * pageSize); null when the file has no pages. */
  pageFill: number | null;
  ioMode: 'mmap' | 'pread';
  ioFallbackReason: string | null;
  /** Tessera's extension block; null for files written by FFCV. */
  extension: {
    creator: { library: string; version: string };
    plugins: Record<string, string>;
    info: JsonValue | null;
    /** for sidecar files (writeSidecar): the base file they were written for */
    sidecarOf?: SidecarBase;
  } | null;
  /** Whether the file carries checksums; inspect does not check them. */
  checksums: 'present' | 'absent';
  /** Whether FFCV's Loader reads every value correctly (see ffcvLoaderSafety in @tessera/core). */
  ffcvLoader: FfcvLoaderSafety;
}

const { ALLOCATION_ENTRY_BYTE_LENGTH } = spec;
/** An allocation-table entry is (sample_id u64, ptr u64, size u64). */
const ALLOCATION_SIZE_OFFSET = 16;
const ALLOCATION_ENTRIES_PER_READ = 4096;

export function buildInspectReport(dataset: Dataset): InspectReport {
  const { layout, extension } = dataset;
  const payloadByteLength = sumAllocationByteLengths(dataset);
  const pagesByteLength = layout.numPages * dataset.pageSize;
  return {
    path: dataset.path,
    fileByteLength: layout.fileByteLength,
    header: { ...dataset.header },
    numSamples: dataset.numSamples,
    fields: dataset.fields.map((field) => ({ ...field })),
    layout: { ...layout, extensionOffset: layout.extensionOffset ?? null },
    payloadByteLength,
    pageFill: pagesByteLength === 0 ? null : payloadByteLength / pagesByteLength,
    ioMode: dataset.ioMode,
    ioFallbackReason: dataset.ioFallbackReason ?? null,
    extension:
      extension === undefined
        ? null
        : {
            creator: { ...extension.creator },
            plugins: { ...extension.plugins },
            info: extension.info ?? null,
            ...(extension.sidecarOf === undefined ? {} : { sidecarOf: structuredClone(extension.sidecarOf) }),
          },
    checksums: extension?.checksums === undefined ? 'absent' : 'present',
    ffcvLoader: ffcvLoaderSafety(dataset),
  };
}

/** Sums the size column of the allocation table, reading it a few thousand entries at a time. */
function sumAllocationByteLengths(dataset: Dataset): number {
  const { allocationTableOffset, numAllocations } = dataset.layout;
  let total = 0;
  for (let first = 0; first < numAllocations; first += ALLOCATION_ENTRIES_PER_READ) {
    const count = Math.min(ALLOCATION_ENTRIES_PER_READ, numAllocations - first);
    const bytes = dataset.fileBytes(allocationTableOffset + first * ALLOCATION_ENTRY_BYTE_LENGTH, count * ALLOCATION_ENTRY_BYTE_LENGTH);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let entry = 0; entry < count; entry++) {
      const offset = entry * ALLOCATION_ENTRY_BYTE_LENGTH + ALLOCATION_SIZE_OFFSET;
      // Sizes were validated against the file when it was opened, so they fit in 2^53.
      total += view.getUint32(offset + 4, true) * 0x1_0000_0000 + view.getUint32(offset, true);
    }
  }
  return total;
}

export function formatInspectText(report: InspectReport): string {
  const { header, layout } = report;
  const bytes = (byteLength: number) => (byteLength < 1024 ? formatByteLength(byteLength) : `${byteLength} bytes (${formatByteLength(byteLength)})`);
  const fill = report.pageFill === null ? 'no pages' : `fill ${formatPercent(report.pageFill)}`;
  const rows: string[][] = [
    ['file size', bytes(report.fileByteLength)],
    ['version', String(header.version)],
    ['fields', String(header.numFields)],
    ['page size', bytes(header.pageSize)],
    ['samples', String(header.numSamples)],
    ['alloc table', `at ${header.allocationTableOffset}, ${plural(layout.numAllocations, 'allocation')}`],
    ['metadata', `at ${layout.metadataStart}, ${plural(layout.recordByteLength, 'byte')} per sample`],
    [
      'data',
      layout.numPages === 0
        ? `none (${formatByteLength(report.payloadByteLength)} of payload)`
        : `[${layout.dataStart}, ${layout.dataEnd}): ${plural(layout.numPages, 'page')}, ${plural(report.payloadByteLength, 'payload byte')}, ${fill}`,
    ],
    ['io mode', report.ioFallbackReason === null ? report.ioMode : `${report.ioMode} (${report.ioFallbackReason})`],
  ];
  if (report.extension === null) {
    rows.push(['extension', 'none (written by FFCV, or without integrity data)']);
  } else {
    const { creator, plugins, info } = report.extension;
    rows.push(['extension', `at ${layout.extensionOffset}, written by ${creator.library} ${creator.version}`]);
    const pluginList = Object.entries(plugins).map(([name, version]) => `${name}@${version}`);
    rows.push(['plugins', pluginList.length === 0 ? 'none' : pluginList.join(', ')]);
    if (info !== null) rows.push(['info', stringifyJson(info)]);
    const base = report.extension.sidecarOf;
    if (base !== undefined) {
      rows.push(['sidecar of', `${base.fileName}: ${plural(base.numSamples, 'sample')}, fields ${base.fields.join(', ')} (${base.digestOf} digest ${base.digest})`]);
    }
  }
  rows.push([
    'checksums',
    report.checksums === 'present'
      ? 'present (not checked by inspect: run `tessera verify` to check them)'
      : 'absent (`tessera verify` can check the structure only)',
  ]);
  rows.push(['FFCV loader safe', report.ffcvLoader.safe ? 'yes' : `no (${report.ffcvLoader.problems.join('; ')})`]);

  const fieldRows = [
    ['#', 'name', 'type id', 'codec', 'plugin', 'arguments'],
    ...report.fields.map((field) => [
      String(field.index),
      field.name,
      String(field.typeId),
      field.codecId,
      `${field.plugin}@${field.pluginVersion}`,
      stringifyJson(field.arguments),
    ]),
  ];
  return `${report.path}\n${indentLines(formatTextTable(rows))}\n\nfields\n${indentLines(formatTextTable(fieldRows))}\n`;
}

function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  return `${percent >= 10 || percent === 0 ? percent.toFixed(1) : percent.toPrecision(2)}%`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

export const inspectCommand = defineCommand({
  name: 'inspect',
  summary: 'show the header, fields, layout and extension block of a .beton file',
  positionalNames: ['FILE'],
  description: [
    'Reads the header, the field descriptors, the allocation table and the extension block; reads no',
    'sample data and checks no checksum (use `tessera verify`). Page fill is the payload bytes the',
    'allocation table references divided by the bytes of all pages.',
    '',
    'Exit codes: 0 printed, 1 the file cannot be opened or is corrupt, 2 bad command line.',
  ].join('\n'),
  options: {
    json: { type: 'boolean', description: 'print one JSON object instead of text' },
    plugin: PLUGIN_OPTION,
  },
  async run({ options, positionals }, context) {
    const dataset = await openDatasetFile(positionals[0]!, options.plugin, context, 'inspect');
    let report: InspectReport;
    try {
      report = buildInspectReport(dataset);
    } finally {
      dataset.close();
    }
    const output = createBufferedOutput(context.stdout);
    try {
      output.write(options.json ? `${stringifyJson(report)}\n` : formatInspectText(report));
      await output.flush();
    } finally {
      output.dispose();
    }
    return EXIT_CODE.SUCCESS;
  },
});
