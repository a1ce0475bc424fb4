/** FFCV `.beton` format version 2 constants (see docs/format.md). All integers little-endian. */
export const FORMAT_VERSION = 2;
export const HEADER_BYTE_LENGTH = 24;
export const FIELD_NAME_BYTE_LENGTH = 16;
export const FIELD_ARGUMENTS_BYTE_LENGTH = 1024;
/** type id (u8) + name + arguments */
export const FIELD_DESCRIPTOR_BYTE_LENGTH = 1 + FIELD_NAME_BYTE_LENGTH + FIELD_ARGUMENTS_BYTE_LENGTH;
/** sample_id u64, ptr u64, size u64 */
export const ALLOCATION_ENTRY_BYTE_LENGTH = 24;

/** FFCV's own type ids; 255 marks a plugin field whose identity lives in its argument bytes. */
export const TYPE_ID = {
  FLOAT: 0,
  INT: 1,
  RGB_IMAGE: 2,
  BYTES: 3,
  NDARRAY: 4,
  JSON: 5,
  TORCH_TENSOR: 6,
  PLUGIN: 255,
} as const;

export const MIN_PAGE_SIZE = 4096;
/** FFCV's writer refuses pages below 2 MiB (its reader accepts any power of two). */
export const FFCV_MIN_PAGE_SIZE = 1 << 21;
export const MAX_PAGE_SIZE = 2 ** 31;
export const DEFAULT_PAGE_SIZE = FFCV_MIN_PAGE_SIZE;
