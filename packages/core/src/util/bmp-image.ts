/**
 * A 24-bit BMP of raw RGB pixels (HWC): the one image file every browser shows that takes no
 * compression library to write, for previews of images stored uncompressed.
 */
export function encodeBmp(rgb: Uint8Array, width: number, height: number, channels: 1 | 3 = 3): Uint8Array {
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const pixelBytes = rowBytes * height;
  const headerBytes = 54;
  const file = new Uint8Array(headerBytes + pixelBytes);
  const view = new DataView(file.buffer);
  file[0] = 0x42; // 'B'
  file[1] = 0x4d; // 'M'
  view.setUint32(2, file.byteLength, true);
  view.setUint32(10, headerBytes, true);
  view.setUint32(14, 40, true); // BITMAPINFOHEADER
  view.setInt32(18, width, true);
  view.setInt32(22, -height, true); // negative: rows top to bottom, as stored
  view.setUint16(26, 1, true);
  view.setUint16(28, 24, true);
  view.setUint32(34, pixelBytes, true);
  for (let y = 0; y < height; y++) {
    let at = headerBytes + y * rowBytes;
    for (let x = 0; x < width; x++) {
      const source = (y * width + x) * channels;
      const red = rgb[source]!;
      const green = channels === 3 ? rgb[source + 1]! : red;
      const blue = channels === 3 ? rgb[source + 2]! : red;
      file[at++] = blue;
      file[at++] = green;
      file[at++] = red;
    }
  }
  return file;
}
