/**
 * Delimited text tables (PMLB TSV, CSV), optionally gzip-compressed, parsed into columns of strings so that
 * preprocessing can decide per column. Every malformed input names the file and the line.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { MlpEnergyError } from '../errors.js';

export interface RawTable {
  readonly file: string;
  readonly header: readonly string[];
  /** columns[c][r]: the cell of data row r (file line r + 2) in column c. */
  readonly columns: readonly string[][];
  readonly rows: number;
}

export function malformed(file: string, line: number | undefined, what: string, fix: string): MlpEnergyError {
  const where = line === undefined ? file : `${file}:${line}`;
  return new MlpEnergyError('DATASET_MALFORMED', `${where}: ${what}. ${fix}`);
}

/** Read a file, gunzipping when it is gzip (by magic bytes, not by name). */
export function readMaybeGzip(file: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new MlpEnergyError('DATASET_MALFORMED', `Cannot read ${file}: ${(error as Error).message}. Check the path and its permissions.`);
  }
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes);
    } catch (error) {
      throw malformed(file, undefined, `corrupt gzip data (${(error as Error).message})`, 'Download the file again.');
    }
  }
  return bytes;
}

/** Split one CSV line, honouring double quotes ("a,b" and "" escapes). */
function splitQuoted(line: string, delimiter: string): string[] {
  if (!line.includes('"')) return line.split(delimiter);
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) { out.push(cell); cell = ''; }
    else cell += ch;
  }
  out.push(cell);
  return out;
}

export function parseDelimited(text: string, file: string, delimiter: '\t' | ','): RawTable {
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  if (lines.length === 0) throw malformed(file, undefined, 'the file is empty', 'Expected a header line and at least one data row.');
  const header = splitQuoted(lines[0], delimiter).map((h) => h.trim());
  if (lines.length === 1) throw malformed(file, 1, 'the file has a header but no data rows', 'Add data rows or use another file.');
  const columns: string[][] = header.map(() => new Array<string>(lines.length - 1));
  for (let r = 1; r < lines.length; r++) {
    const cells = splitQuoted(lines[r], delimiter);
    if (cells.length !== header.length) {
      throw malformed(file, r + 1, `ragged row: ${cells.length} fields where the header has ${header.length}`,
        `Fix line ${r + 1} so every row has ${header.length} ${delimiter === '\t' ? 'tab' : 'comma'}-separated fields.`);
    }
    for (let c = 0; c < cells.length; c++) columns[c][r - 1] = cells[c].trim();
  }
  return { file, header, columns, rows: lines.length - 1 };
}

/** PMLB TSV (.tsv or .tsv.gz) or CSV (.csv or .csv.gz), chosen by the file name. */
export function readTable(file: string): RawTable {
  const text = readMaybeGzip(file).toString('utf8');
  const delimiter = /\.tsv(\.gz)?$/i.test(file) ? '\t' : ',';
  return parseDelimited(text, file, delimiter);
}
