/**
 * Page-aligned memory for batch buffers. `new ArrayBuffer` may start a few bytes past a page
 * boundary, and copying page-aligned samples into such a buffer runs at half speed or worse here
 * (measured: 100 KiB samples, 6.4 vs 11.9 GB/s). WebAssembly memories are mapped on page
 * boundaries, and a shared one is a SharedArrayBuffer that worker threads can write into.
 */
const WASM_PAGE_BYTE_LENGTH = 65_536;

type MemoryConstructor = new (descriptor: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer | SharedArrayBuffer };
const Memory = (globalThis as unknown as { WebAssembly?: { Memory: MemoryConstructor } }).WebAssembly?.Memory;

export function allocateAligned(byteLength: number, shared: boolean): ArrayBuffer | SharedArrayBuffer {
  const pages = Math.max(1, Math.ceil(byteLength / WASM_PAGE_BYTE_LENGTH));
  // Small buffers are not worth a 64 KiB mapping: they are copied into, not streamed.
  if (byteLength < WASM_PAGE_BYTE_LENGTH / 4) return shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
  try {
    if (Memory !== undefined) return new Memory({ initial: pages, maximum: pages, shared }).buffer;
  } catch {
    // fall through: plain memory is correct, only slower to copy into
  }
  return shared ? new SharedArrayBuffer(byteLength) : new ArrayBuffer(byteLength);
}
