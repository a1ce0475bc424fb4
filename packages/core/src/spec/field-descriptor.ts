import { ArgumentError, FormatError } from '../errors.js';
import { FIELD_ARGUMENTS_BYTE_LENGTH, FIELD_DESCRIPTOR_BYTE_LENGTH, FIELD_NAME_BYTE_LENGTH, HEADER_BYTE_LENGTH } from './constants.js';

export interface FieldDescriptor {
  typeId: number;
  /** ASCII, at most 16 bytes (no terminator is stored when it is exactly 16) */
  name: string;
  /** exactly 1024 bytes */
  argumentBytes: Uint8Array;
}

export function descriptorOffset(index: number): number {
  return HEADER_BYTE_LENGTH + index * FIELD_DESCRIPTOR_BYTE_LENGTH;
}

/** Field names are what FFCV can store: 1–16 printable ASCII characters, no NUL. */
export function checkFieldName(name: string): void {
  if (typeof name !== 'string' || name.length === 0 || name.length > FIELD_NAME_BYTE_LENGTH || !/^[\x20-\x7e]+$/.test(name)) {
    throw new ArgumentError(
      'field name',
      `${JSON.stringify(name)} is not a valid field name: use 1 to ${FIELD_NAME_BYTE_LENGTH} printable ASCII characters`,
    );
  }
}

export function encodeFieldDescriptor(descriptor: FieldDescriptor, target: Uint8Array, offset: number): void {
  checkFieldName(descriptor.name);
  target[offset] = descriptor.typeId;
  for (let index = 0; index < descriptor.name.length; index++) target[offset + 1 + index] = descriptor.name.charCodeAt(index);
  if (descriptor.argumentBytes.byteLength > FIELD_ARGUMENTS_BYTE_LENGTH) {
    throw new ArgumentError('field arguments', `${descriptor.argumentBytes.byteLength} bytes exceed ${FIELD_ARGUMENTS_BYTE_LENGTH}`);
  }
  target.set(descriptor.argumentBytes, offset + 1 + FIELD_NAME_BYTE_LENGTH);
}

export function decodeFieldDescriptor(bytes: Uint8Array, index: number, path?: string): FieldDescriptor {
  const start = index * FIELD_DESCRIPTOR_BYTE_LENGTH;
  const typeId = bytes[start]!;
  let name = '';
  for (let position = 0; position < FIELD_NAME_BYTE_LENGTH; position++) {
    const code = bytes[start + 1 + position]!;
    if (code === 0) break;
    if (code > 0x7e || code < 0x20) {
      throw new FormatError('E_DESCRIPTOR', `field ${index} has a non-ASCII byte 0x${code.toString(16)} in its name`, {
        path,
        fileOffset: descriptorOffset(index) + 1 + position,
      });
    }
    name += String.fromCharCode(code);
  }
  if (name.length === 0) {
    throw new FormatError('E_DESCRIPTOR', `field ${index} has an empty name`, { path, fileOffset: descriptorOffset(index) + 1 });
  }
  const argumentsStart = start + 1 + FIELD_NAME_BYTE_LENGTH;
  const argumentBytes = bytes.subarray(argumentsStart, argumentsStart + FIELD_ARGUMENTS_BYTE_LENGTH);
  return { typeId, name, argumentBytes };
}
