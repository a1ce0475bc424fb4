/**
 * The one module that touches the native mmap binding, `@riaskov/mmap-io`. Everything else in
 * Tessera maps files through `MmapBinding` and falls back to `pread` when `loadMmapBinding()`
 * returns no binding.
 *
 * The addon is patched (patches/@riaskov__mmap-io@1.4.3.patch): upstream reads sizes and offsets
 * as 32-bit ints, so a mapping of 2 GiB or more fails and an offset of 4 GiB silently maps offset 0.
 * The patch exports `TESSERA_PATCHED_64BIT = 1`; an addon without it (a prebuilt or stale build)
 * still loads, with `maxMappableOffset` and `maxMappingByteLength` limited to what it reads correctly.
 */
import { constants as bufferConstants } from 'node:buffer';
import { createRequire } from 'node:module';
import { getSystemErrorName } from 'node:util';

export type MmapAdvice = 'normal' | 'random' | 'sequential' | 'willneed' | 'dontneed';

export interface MmapBinding {
  /**
   * Map [fileOffset, fileOffset + byteLength) of fd read-only (MAP_SHARED, PROT_READ). fileOffset
   * must be a multiple of `pageSizeBytes` and at most `maxMappableOffset`; byteLength must be in
   * 1..`maxMappingByteLength`. The mapping is released when the returned Buffer (and every view
   * of it) is garbage collected; the fd may be closed right after this call.
   */
  map(fd: number, fileOffset: number, byteLength: number): Buffer;
  /** madvise() on [offset, offset + byteLength) of a Buffer returned by `map`; offset must be page aligned. */
  advise(buffer: Buffer, offset: number, byteLength: number, advice: MmapAdvice): void;
  /** OS page size in bytes. */
  readonly pageSizeBytes: number;
  /** Largest file offset `map` accepts: Number.MAX_SAFE_INTEGER when patched, 2**31 - 1 otherwise. */
  readonly maxMappableOffset: number;
  /** Largest byteLength `map` accepts: 4 GiB - pageSize on Node 20 (its Buffer limit); 2 GiB - pageSize unpatched. */
  readonly maxMappingByteLength: number;
  /** Whether the loaded addon carries the 64-bit patch. */
  readonly patched: boolean;
  /**
   * memcpy of [sourceOffset, sourceOffset + byteLength) of a mapping into target at targetOffset
   * (bounds checked natively), or undefined when the addon predates the patch that adds it. V8
   * copies into a SharedArrayBuffer with relaxed word-by-word stores (TypedArray#set, hence
   * Buffer#copy): ~0.75× of memcpy for 12 KiB samples. For ordinary memory Buffer#copy is as fast
   * and cheaper to call (1 KiB: ~7% faster than this).
   */
  readonly copy: ((source: Buffer, sourceOffset: number, target: Uint8Array, targetOffset: number, byteLength: number) => void) | undefined;
}

export type MmapBindingLoad = { binding: MmapBinding; reason?: undefined } | { binding: null; reason: string };

/** The raw addon, as far as Tessera uses it. */
interface NativeMmapModule {
  map(size: number, protection: number, flags: number, fd: number, offset: number): Buffer;
  advise(buffer: Buffer, offset: number, length: number, advice: number): void;
  readonly PROT_READ: number;
  readonly MAP_SHARED: number;
  readonly MADV_NORMAL: number;
  readonly MADV_RANDOM: number;
  readonly MADV_SEQUENTIAL: number;
  readonly MADV_WILLNEED: number;
  readonly MADV_DONTNEED: number;
  readonly PAGESIZE: number;
  readonly TESSERA_PATCHED_64BIT?: number;
  readonly copy?: (source: Uint8Array, sourceOffset: number, target: Uint8Array, targetOffset: number, byteLength: number) => void;
}

const MODULE_NAME = '@riaskov/mmap-io';
const UNPATCHED_MAX_INT = 2 ** 31 - 1;
const FIX_HINT =
  `${MODULE_NAME} is an optional dependency of @tessera/core compiled at install time. To fix: install ` +
  'build tools (python3, make and g++; Debian/Ubuntu: `apt-get install python3 make g++`, macOS: ' +
  '`xcode-select --install`), then reinstall (`pnpm install --force` or `npm rebuild @riaskov/mmap-io`). ' +
  'Set TESSERA_MMAP=0 to choose pread explicitly and silence this.';

class NativeMmapBinding implements MmapBinding {
  readonly pageSizeBytes: number;
  readonly maxMappableOffset: number;
  readonly maxMappingByteLength: number;
  readonly patched: boolean;
  readonly copy: MmapBinding['copy'];
  private readonly native: NativeMmapModule;
  private readonly adviceCodes: Readonly<Record<MmapAdvice, number>>;

  constructor(native: NativeMmapModule) {
    this.native = native;
    this.pageSizeBytes = native.PAGESIZE;
    this.patched = native.TESSERA_PATCHED_64BIT === 1;
    this.copy = typeof native.copy === 'function' ? native.copy : undefined;
    const bufferLimit = Math.min(bufferConstants.MAX_LENGTH, Number.MAX_SAFE_INTEGER);
    const lengthLimit = this.patched ? bufferLimit : Math.min(bufferLimit, UNPATCHED_MAX_INT);
    // Round down to whole pages: a mapping is whole pages anyway, and this keeps 4 GiB itself out.
    this.maxMappingByteLength = Math.floor((lengthLimit - 1) / this.pageSizeBytes) * this.pageSizeBytes;
    this.maxMappableOffset = this.patched ? Number.MAX_SAFE_INTEGER : UNPATCHED_MAX_INT;
    this.adviceCodes = Object.freeze({
      normal: native.MADV_NORMAL,
      random: native.MADV_RANDOM,
      sequential: native.MADV_SEQUENTIAL,
      willneed: native.MADV_WILLNEED,
      dontneed: native.MADV_DONTNEED,
    });
  }

  map(fd: number, fileOffset: number, byteLength: number): Buffer {
    if (
      !Number.isSafeInteger(fileOffset) ||
      fileOffset < 0 ||
      fileOffset % this.pageSizeBytes !== 0 ||
      fileOffset > this.maxMappableOffset
    ) {
      throw new RangeError(
        `mmap file offset ${fileOffset} must be a non-negative multiple of the page size ${this.pageSizeBytes} ` +
          `no larger than ${this.maxMappableOffset}`,
      );
    }
    if (!Number.isSafeInteger(byteLength) || byteLength <= 0 || byteLength > this.maxMappingByteLength) {
      throw new RangeError(`mmap byte length ${byteLength} must be between 1 and ${this.maxMappingByteLength}`);
    }
    try {
      return this.native.map(byteLength, this.native.PROT_READ, this.native.MAP_SHARED, fd, fileOffset);
    } catch (error) {
      throw new Error(`mmap of ${byteLength} bytes at file offset ${fileOffset} failed: ${describeNativeError(error)}`, {
        cause: error,
      });
    }
  }

  advise(buffer: Buffer, offset: number, byteLength: number, advice: MmapAdvice): void {
    const adviceCode = this.adviceCodes[advice];
    if (adviceCode === undefined) {
      throw new RangeError(`unknown mmap advice ${JSON.stringify(advice)}; expected one of ${Object.keys(this.adviceCodes).join(', ')}`);
    }
    try {
      this.native.advise(buffer, offset, byteLength, adviceCode);
    } catch (error) {
      throw new Error(`madvise(${advice}) of ${byteLength} bytes at offset ${offset} failed: ${describeNativeError(error)}`, {
        cause: error,
      });
    }
  }
}

/** Turns the addon's "mmap failed, 12" into "ENOMEM (errno 12)". */
function describeNativeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const errnoMatch = /failed, (\d+)$/.exec(message);
  if (errnoMatch === null) return message;
  const errno = Number(errnoMatch[1]);
  try {
    return `${getSystemErrorName(-errno)} (errno ${errno})`;
  } catch {
    return message;
  }
}

function isNativeMmapModule(value: unknown): value is NativeMmapModule {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return (
    typeof candidate.map === 'function' &&
    typeof candidate.advise === 'function' &&
    typeof candidate.PAGESIZE === 'number' &&
    candidate.PAGESIZE > 0 &&
    typeof candidate.PROT_READ === 'number' &&
    typeof candidate.MAP_SHARED === 'number' &&
    typeof candidate.MADV_RANDOM === 'number'
  );
}

/**
 * The package's entry loads @mapbox/node-pre-gyp (about 50 ms) only to find the compiled addon;
 * the addon built at install time sits at a fixed path, so load it directly when it is there.
 */
function requireCompiledAddon(require: NodeJS.Require): unknown {
  let addonPath: string;
  try {
    addonPath = require.resolve(`${MODULE_NAME}/build/Release/mmap_io.node`);
  } catch {
    return undefined;
  }
  return require(addonPath);
}

function loadNative(): MmapBindingLoad {
  const require = createRequire(import.meta.url);
  let native: unknown;
  try {
    native = requireCompiledAddon(require) ?? require(MODULE_NAME);
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const firstLine = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    return {
      binding: null,
      reason:
        `memory mapping is unavailable, so files are read with pread (a copy per read). ` +
        `Tried require('${MODULE_NAME}') from ${import.meta.url}: ${typeof code === 'string' ? `${code}: ` : ''}${firstLine}. ` +
        FIX_HINT,
    };
  }
  if (!isNativeMmapModule(native)) {
    return {
      binding: null,
      reason:
        `memory mapping is unavailable: require('${MODULE_NAME}') loaded, but it does not export ` +
        `map, advise and PAGESIZE as expected (a different version?). ${FIX_HINT}`,
    };
  }
  return { binding: new NativeMmapBinding(native) };
}

let nativeLoad: MmapBindingLoad | undefined;

/**
 * The mmap binding, loaded once and cached. Never throws: without a binding it returns the reason,
 * listing what was tried and how to fix it. TESSERA_MMAP=0 (or `false`/`off`) disables mapping; it
 * is read on every call, so it can be changed at run time.
 */
export function loadMmapBinding(): MmapBindingLoad {
  const setting = process.env.TESSERA_MMAP;
  if (setting === '0' || setting === 'false' || setting === 'off') {
    return {
      binding: null,
      reason: `memory mapping is disabled by the environment variable TESSERA_MMAP=${setting}; unset it to use mmap`,
    };
  }
  nativeLoad ??= loadNative();
  return nativeLoad;
}
