/** One parsed CSV record: its cells and the 1-based line it starts on. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * RFC 4180 CSV: comma-separated cells, double-quoted cells may hold commas, newlines and "" for a
 * quote; LF or CRLF line ends; a UTF-8 byte-order mark is dropped; blank lines are skipped. Returns
 * undefined-free records, or a string saying where the text is malformed.
 */
export function parseCsv(text: string): CsvRecord[] | { problem: string; line: number } {
  const records: CsvRecord[] = [];
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  while (position < text.length) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell = '';
      if (text[position] === '"') {
        position++;
        for (;;) {
          const quote = text.indexOf('"', position);
          if (quote < 0) return { problem: 'a quoted cell is never closed', line: start };
          cell += text.slice(position, quote);
          for (let index = position; index < quote; index++) if (text.charCodeAt(index) === 10) line++;
          position = quote + 1;
          if (text[position] === '"') {
            cell += '"';
            position++;
          } else break;
        }
        const next = text[position];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') return { problem: `text after a closing quote (${JSON.stringify(next)})`, line };
      } else {
        let end = position;
        while (end < text.length && text[end] !== ',' && text[end] !== '\n' && text[end] !== '\r') end++;
        cell = text.slice(position, end);
        if (cell.includes('"')) return { problem: 'a quote inside an unquoted cell (quote the whole cell and double the quote)', line };
        position = end;
      }
      cells.push(cell);
      if (text[position] === ',') {
        position++;
        continue;
      }
      if (text[position] === '\r') position++;
      if (text[position] === '\n') position++;
      line++;
      break;
    }
    if (!(cells.length === 1 && cells[0] === '')) records.push({ cells, line: start });
  }
  return records;
}
