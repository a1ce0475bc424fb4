import { FormatError, type FieldReader, type JsonValue, type RegisteredCodecRef } from '@tessera/core';

/**
 * The bytes of one interleaved document (one allocation per sample; none for an empty document):
 *
 *   item table        items × 16 bytes: kind u8, 0 u8, allocations u16, record offset u32,
 *                     allocation list offset u32, length u32 (the item codec's `length`, or 0)
 *   records           each item's metadata record as its kind's codec wrote it, 8-aligned; the
 *                     pointers it asked for hold offsets inside the document
 *   allocation lists  per item, allocations × 12 bytes: offset u32 (inside the document),
 *                     byte length u32, pointer offset u32 in the record (0xffffffff: none)
 *   payloads          every item's allocations in call order, each at a 64-byte-aligned offset
 *
 * Offsets are relative to the document's start, so the document can be placed anywhere: a reader
 * adds the document's file offset to each recorded pointer before the item's own codec reads it.
 */
export const ITEM_ENTRY_BYTES = 16;
export const ALLOCATION_ENTRY_BYTES = 12;
export const NO_POINTER = 0xffff_ffff;
const PAYLOAD_ALIGNMENT = 64;
const MAX_DOCUMENT_BYTES = 0xffff_ffff;

const align = (value: number, alignment: number): number => Math.ceil(value / alignment) * alignment;

/** One encoded item before placement: its record and its allocations, as its codec made them. */
export interface EncodedItem {
  kind: number;
  record: Uint8Array;
  allocations: Array<{ payload: Uint8Array; pointerOffset: number }>;
}

/** Lays out encoded items as one document (lengths left 0: `setItemLength` fills them in). */
export function assembleDocument(items: readonly EncodedItem[]): Uint8Array {
  let offset = items.length * ITEM_ENTRY_BYTES;
  const recordOffsets: number[] = [];
  for (const item of items) {
    offset = align(offset, 8);
    recordOffsets.push(offset);
    offset += item.record.byteLength;
  }
  const listOffsets: number[] = [];
  for (const item of items) {
    listOffsets.push(offset);
    offset += item.allocations.length * ALLOCATION_ENTRY_BYTES;
  }
  const payloadOffsets: number[][] = [];
  for (const item of items) {
    const offsets: number[] = [];
    for (const allocation of item.allocations) {
      offset = align(offset, PAYLOAD_ALIGNMENT);
      offsets.push(offset);
      offset += allocation.payload.byteLength;
    }
    payloadOffsets.push(offsets);
  }
  if (offset > MAX_DOCUMENT_BYTES) throw new RangeError(`the document takes ${offset} bytes, more than ${MAX_DOCUMENT_BYTES}: split it into several samples`);
  const document = new Uint8Array(offset);
  const view = new DataView(document.buffer);
  items.forEach((item, index) => {
    if (item.allocations.length > 0xffff) throw new RangeError(`item ${index} makes ${item.allocations.length} allocations, more than 65535`);
    const entry = index * ITEM_ENTRY_BYTES;
    view.setUint8(entry, item.kind);
    view.setUint16(entry + 2, item.allocations.length, true);
    view.setUint32(entry + 4, recordOffsets[index]!, true);
    view.setUint32(entry + 8, listOffsets[index]!, true);
    const record = recordOffsets[index]!;
    document.set(item.record, record);
    item.allocations.forEach((allocation, allocationIndex) => {
      const at = payloadOffsets[index]![allocationIndex]!;
      document.set(allocation.payload, at);
      const list = listOffsets[index]! + allocationIndex * ALLOCATION_ENTRY_BYTES;
      view.setUint32(list, at, true);
      view.setUint32(list + 4, allocation.payload.byteLength, true);
      view.setUint32(list + 8, allocation.pointerOffset < 0 ? NO_POINTER : allocation.pointerOffset, true);
      if (allocation.pointerOffset >= 0) view.setBigUint64(record + allocation.pointerOffset, BigInt(at), true);
    });
  });
  return document;
}

export const itemKind = (table: DataView, item: number): number => table.getUint8(item * ITEM_ENTRY_BYTES);
export const itemLength = (table: DataView, item: number): number => table.getUint32(item * ITEM_ENTRY_BYTES + 12, true);
export const setItemLength = (table: DataView, item: number, length: number): void => table.setUint32(item * ITEM_ENTRY_BYTES + 12, length, true);

/** Where an item reader reads a document from: the file (through the field) or memory (while encoding). */
export interface DocumentSource {
  bytes(pointer: number, byteLength: number): Uint8Array;
  copyBytes(pointer: number, byteLength: number, target: Uint8Array, targetOffset: number): void;
  describeBytes(pointer: number, byteLength: number): { byteLength: number; sha256: string };
  otherField(name: string): FieldReader;
  codec(codecId: string): RegisteredCodecRef | undefined;
}

/**
 * The view an item's own codec gets of one item: a field of one sample whose metadata record is the
 * item's (pointers made absolute) and whose data region is the document. `load` points it at an item
 * and checks every offset of the item's entry against the document first, so the item codec can
 * trust them as it trusts a file's metadata after `validate`.
 */
export class ItemReader implements FieldReader {
  readonly index: number;
  readonly typeId = 255;
  readonly numSamples = 1;
  readonly columnOffset = 0;
  readonly recordByteLength: number;
  readonly metadata: DataView;
  readonly arguments: JsonValue;
  dataStart = 0;
  dataEnd = 0;
  private readonly record: Uint8Array;
  private allocations: Array<[number, number]> = [];
  /** Set while loaded: for messages. */
  private where = '';

  constructor(
    private readonly source: DocumentSource,
    readonly name: string,
    fieldIndex: number,
    readonly codecId: string,
    kindArguments: JsonValue,
    recordByteLength: number,
    private readonly path: string | undefined,
  ) {
    this.index = fieldIndex;
    this.arguments = kindArguments;
    this.recordByteLength = recordByteLength;
    this.record = new Uint8Array(Math.max(recordByteLength, 8));
    this.metadata = new DataView(this.record.buffer, 0, recordByteLength);
  }

  /**
   * Point at item `item` of the document whose bytes are `document`, placed at `base` (its file
   * offset, or 0 in memory). `table` views the same bytes.
   */
  load(document: Uint8Array, table: DataView, base: number, item: number, where: string): void {
    const entry = item * ITEM_ENTRY_BYTES;
    const allocationCount = table.getUint16(entry + 2, true);
    const recordOffset = table.getUint32(entry + 4, true);
    const listOffset = table.getUint32(entry + 8, true);
    const size = document.byteLength;
    this.where = where;
    if (recordOffset + this.recordByteLength > size) this.corrupt(`its ${this.recordByteLength}-byte record at ${recordOffset} ends past the document's ${size} bytes`, base + entry);
    if (listOffset + allocationCount * ALLOCATION_ENTRY_BYTES > size) this.corrupt(`its ${allocationCount} allocations listed at ${listOffset} end past the document's ${size} bytes`, base + entry);
    this.record.set(document.subarray(recordOffset, recordOffset + this.recordByteLength));
    const allocations: Array<[number, number]> = [];
    for (let index = 0; index < allocationCount; index++) {
      const list = listOffset + index * ALLOCATION_ENTRY_BYTES;
      const at = table.getUint32(list, true);
      const byteLength = table.getUint32(list + 4, true);
      const pointerOffset = table.getUint32(list + 8, true);
      if (at + byteLength > size) this.corrupt(`allocation ${index} (${byteLength} bytes at ${at}) ends past the document's ${size} bytes`, base + list);
      if (pointerOffset !== NO_POINTER) {
        if (pointerOffset + 8 > this.recordByteLength) this.corrupt(`allocation ${index} has its pointer at ${pointerOffset}, outside the ${this.recordByteLength}-byte record`, base + list);
        this.metadata.setUint32(pointerOffset, (base + at) % 0x1_0000_0000, true);
        this.metadata.setUint32(pointerOffset + 4, Math.floor((base + at) / 0x1_0000_0000), true);
      }
      allocations.push([base + at, byteLength]);
    }
    this.allocations = allocations;
    this.dataStart = base;
    this.dataEnd = base + size;
  }

  private corrupt(problem: string, fileOffset: number): never {
    throw new FormatError('E_METADATA', `field "${this.name}", ${this.where}: ${problem}; the file is corrupt: write it again`, {
      ...(this.path === undefined ? {} : { path: this.path }),
      fileOffset,
    });
  }

  recordOffset(sampleIndex: number): number {
    if (sampleIndex !== 0) throw new RangeError(`an item reader holds one item (sample 0), not sample ${sampleIndex}`);
    return 0;
  }

  readUint64(metadataOffset: number): number {
    const high = this.metadata.getUint32(metadataOffset + 4, true);
    if (high > 0x1fffff) throw new RangeError(`a 64-bit value at ${metadataOffset} of the item record is beyond any file offset`);
    return high * 0x1_0000_0000 + this.metadata.getUint32(metadataOffset, true);
  }

  private check(pointer: number, byteLength: number): void {
    if (!(pointer >= this.dataStart && byteLength >= 0 && pointer + byteLength <= this.dataEnd)) {
      throw new FormatError('E_ALLOCATION_OUT_OF_BOUNDS', `field "${this.name}", ${this.where}: ${byteLength} bytes at ${pointer} lie outside the document [${this.dataStart}, ${this.dataEnd})`, {
        ...(this.path === undefined ? {} : { path: this.path }),
        fileOffset: pointer,
      });
    }
  }

  bytes(pointer: number, byteLength: number): Uint8Array {
    if (byteLength === 0) return new Uint8Array(0);
    this.check(pointer, byteLength);
    return this.source.bytes(pointer, byteLength);
  }

  copyBytes(pointer: number, byteLength: number, target: Uint8Array, targetOffset: number): void {
    if (byteLength === 0) return;
    this.check(pointer, byteLength);
    this.source.copyBytes(pointer, byteLength, target, targetOffset);
  }

  allocationByteLength(pointer: number): number {
    for (const [at, byteLength] of this.allocations) if (at === pointer) return byteLength;
    throw new FormatError('E_ALLOCATION_TABLE', `field "${this.name}", ${this.where}: no allocation of the item starts at ${pointer}`, {
      ...(this.path === undefined ? {} : { path: this.path }),
      fileOffset: pointer,
    });
  }

  sampleAllocations(sampleIndex: number): Array<[number, number]> {
    this.recordOffset(sampleIndex);
    return this.allocations.map(([at, byteLength]) => [at, byteLength]);
  }

  describeBytes(pointer: number, byteLength: number): { byteLength: number; sha256: string } {
    if (byteLength > 0) this.check(pointer, byteLength);
    return this.source.describeBytes(pointer, byteLength);
  }

  otherField(name: string): FieldReader {
    return this.source.otherField(name);
  }

  codec(codecId: string): RegisteredCodecRef | undefined {
    return this.source.codec(codecId);
  }
}
