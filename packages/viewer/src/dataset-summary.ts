import { decoderNamesOf } from './decoded-output.js';
import type { Dataset, JsonValue } from '@tessera/core';
import { type FieldPayloadBytes, computeFieldPayloadBytes } from './field-bytes.js';
import { classNamesOf } from './field-statistics.js';
import { type TimelineFields, findTimelineFields } from './sample-timeline.js';

export interface FieldSummary {
  name: string;
  typeId: number;
  codecId: string;
  plugin: string;
  pluginVersion: string;
  arguments: JsonValue;
  /** bytes of this field in each sample's metadata record */
  metadataByteLength: number;
  /** payload bytes in the pages, where the field's size is known without decoding (see FieldPayloadBytes); null otherwise */
  payloadBytes: FieldPayloadBytes | null;
  /** the field places a stream on the sample's time axis / has labelled spans (`timeline` / `anchors` hooks) */
  hasTimeline: boolean;
  hasAnchors: boolean;
  /** the sidecar file storing the field, if any */
  sidecar: string | null;
  hasPreview: boolean;
  hasStatistics: boolean;
  /** the decoders of the field's codec (for `/api/decoded/<field>/<row>?decoder=`) */
  decoders: string[];
  /** class names from `info` for a class-id field (see classNamesOf) */
  classNames: string[] | null;
}

/** What `GET /api/summary` returns: the header of the page (section 1 of the viewer issue). */
export interface DatasetSummary {
  path: string;
  numSamples: number;
  fileByteLength: number;
  pageSize: number;
  numPages: number;
  /** bytes the allocation table references */
  payloadByteLength: number;
  /** payloadByteLength / (numPages × pageSize), as `tessera inspect` computes it; null without pages */
  pageFill: number | null;
  checksums: 'present' | 'absent';
  /** the library that wrote the file; null for FFCV files */
  writer: { library: string; version: string } | null;
  /** plugin name → version recorded in the file */
  plugins: Record<string, string>;
  info: JsonValue | null;
  sidecars: string[];
  ioMode: 'mmap' | 'pread';
  fields: FieldSummary[];
  /** the fields of the row view's timeline (`/api/timeline/<row>`); null when the file has too few stream fields */
  timeline: TimelineFields | null;
}

export function buildDatasetSummary(dataset: Dataset): DatasetSummary {
  const { layout, extension } = dataset;
  const pagesByteLength = layout.numPages * dataset.pageSize;
  const payloadBytes = computeFieldPayloadBytes(dataset);
  return {
    path: dataset.path,
    numSamples: dataset.numSamples,
    fileByteLength: layout.fileByteLength,
    pageSize: dataset.pageSize,
    numPages: layout.numPages,
    payloadByteLength: layout.payloadByteLength,
    pageFill: pagesByteLength === 0 ? null : layout.payloadByteLength / pagesByteLength,
    checksums: extension?.checksums === undefined ? 'absent' : 'present',
    writer: extension === undefined ? null : { ...extension.creator },
    plugins: extension === undefined ? {} : { ...extension.plugins },
    info: extension?.info ?? null,
    sidecars: dataset.sidecars.map((sidecar) => sidecar.path),
    ioMode: dataset.ioMode,
    fields: dataset.fields.map((field) => ({
      name: field.name,
      typeId: field.typeId,
      codecId: field.codecId,
      plugin: field.plugin,
      pluginVersion: field.pluginVersion,
      arguments: field.arguments,
      metadataByteLength: field.metadataByteLength,
      payloadBytes: payloadBytes[field.name] ?? null,
      hasTimeline: dataset.hasTimeline(field.name),
      hasAnchors: dataset.hasAnchors(field.name),
      sidecar: field.sidecar ?? null,
      hasPreview: dataset.hasPreview(field.name),
      hasStatistics: dataset.hasStatistics(field.name),
      decoders: decoderNamesOf(dataset, field.name),
      classNames: classNamesOf(dataset, field.name) ?? null,
    })),
    timeline: findTimelineFields(dataset) ?? null,
  };
}
