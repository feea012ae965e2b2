/**
 * Streams CSV rows to a file path (via exportToFile: `.partial` then rename) or to any Writable
 * (an HTTP response, stdout), with backpressure: constant memory whatever the row count.
 */
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCsvStream, exportToFile, pumpRows, type CsvColumn, type CsvExportResult, type CsvOptions } from './csv-export';

/** Where an export goes: a file path, or a stream that the export ends when done. */
export type CsvTarget = string | Writable;

/**
 * Write `rows` as CSV to `target`. Output: rows written and bytes. Errors: as exportToFile for a
 * path; for a stream, the stream's error (the stream is destroyed) or the row source's error.
 */
export async function writeCsv(
  target: CsvTarget,
  columns: readonly CsvColumn[],
  rows: AsyncIterable<object> | Iterable<object>,
  options: CsvOptions = {},
): Promise<CsvExportResult> {
  if (typeof target === 'string') return exportToFile(target, columns, rows, options);
  const csv = createCsvStream(columns, options);
  let bytes = 0;
  csv.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const done = pipeline(csv, target);
  done.catch(() => undefined);
  let count: number;
  try {
    count = await pumpRows(csv, rows, done);
  } catch (err) {
    csv.destroy();
    target.destroy();
    await done.catch(() => undefined);
    throw err;
  }
  return { rows: count, bytes };
}
