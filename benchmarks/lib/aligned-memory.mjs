/**
 * Page-aligned, zero-filled memory from plain JS, for batch buffers.
 *
 * On this machine (AMD EPYC, glibc memcpy taking its `rep movsb` path for copies of a few KiB and
 * more) a copy is slow when the destination sits 1–31 bytes past the source modulo 4096: 100 KiB
 * copies measured ~12–14 GB/s with both page-aligned, ~6.5 GB/s 16–31 bytes off, ~3.3 GB/s 4–8 bytes
 * off. Sources here are 1 KiB-aligned file offsets, so the destination's own alignment decides.
 * `new ArrayBuffer(n)` comes from malloc: a large one is an mmap'd chunk 16 bytes past a page, a
 * smaller or recycled one lands wherever the heap is, so padding the slot stride to 64 bytes is not
 * enough by itself. WebAssembly memory is mapped by V8 on a page boundary, so the stride alone then
 * decides every slot's alignment.
 */
const WASM_PAGE_BYTE_LENGTH = 65536;

/** A page-aligned Uint8Array of byteLength bytes (the memory stays alive as long as the view). */
export function allocatePageAligned(byteLength) {
  const pages = Math.max(1, Math.ceil(byteLength / WASM_PAGE_BYTE_LENGTH));
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return new Uint8Array(memory.buffer, 0, byteLength);
}

/** Rounds a slot size up to a multiple of `alignment` bytes (64: one cache line). */
export function alignedStride(byteLength, alignment = 64) {
  return Math.ceil(byteLength / alignment) * alignment;
}
