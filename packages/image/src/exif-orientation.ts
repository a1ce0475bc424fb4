/**
 * The EXIF orientation (1–8) of a JPEG, or 1 when it has none. Only the APP1 "Exif" segment before
 * the first scan is read; malformed EXIF data counts as no orientation.
 */
export function jpegOrientation(jpeg: Uint8Array): number {
  const view = new DataView(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength);
  let offset = 2;
  while (offset + 4 <= jpeg.byteLength) {
    if (jpeg[offset] !== 0xff) return 1;
    const marker = jpeg[offset + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0xff) {
      offset += marker === 0xff ? 1 : 2;
      continue;
    }
    if (marker === 0xda || marker === 0xd9) return 1;
    const length = view.getUint16(offset + 2);
    if (marker === 0xe1 && length >= 16 && offset + 2 + length <= jpeg.byteLength) {
      const start = offset + 4;
      if (jpeg[start] === 0x45 && jpeg[start + 1] === 0x78 && jpeg[start + 2] === 0x69 && jpeg[start + 3] === 0x66 && jpeg[start + 4] === 0 && jpeg[start + 5] === 0) {
        return tiffOrientation(view, start + 6, offset + 2 + length);
      }
    }
    offset += 2 + length;
  }
  return 1;
}

function tiffOrientation(view: DataView, tiff: number, end: number): number {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1;
  const little = order === 0x4949;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const count = view.getUint16(ifd, little);
  for (let entry = 0; entry < count; entry++) {
    const position = ifd + 2 + entry * 12;
    if (position + 12 > end) return 1;
    if (view.getUint16(position, little) === 0x0112) {
      const value = view.getUint16(position + 8, little);
      return value >= 1 && value <= 8 ? value : 1;
    }
  }
  return 1;
}
