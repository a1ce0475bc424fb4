const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'] as const;

/** A byte count for people: `812 bytes`, `64 KiB`, `1.5 MiB` (binary units, at most one decimal). */
export function formatByteLength(byteLength: number): string {
  let value = byteLength;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${byteLength} ${byteLength === 1 ? 'byte' : 'bytes'}`;
  const rounded = value.toFixed(1);
  return `${rounded.endsWith('.0') ? rounded.slice(0, -2) : rounded} ${UNITS[unit]}`;
}
