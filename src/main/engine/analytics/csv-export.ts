/**
 * Streamed CSV export on csv-stringify.
 *
 * Format: RFC 4180 (fields with a comma, a double quote, CR or LF are quoted, quotes doubled;
 * records end with CRLF), UTF-8, a header row, and optionally a UTF-8 byte order mark so that
 * spreadsheet programs detect the encoding. Cells:
 * - null/undefined → empty; numbers as written by JavaScript (non-finite → empty);
 * - `time` columns (epoch ms) and Date values → ISO-8601 UTC (`2025-01-31T09:00:00.000Z`);
 * - booleans → `true`/`false`; objects and arrays → JSON;
 * - formula injection (OWASP): a text cell beginning with `=`, `+`, `-`, `@`, tab or CR (or their
 *   full-width forms) is prefixed with `'`. Number values are not text: `-12.5` stays `-12.5`.
 *   A string "-12.5" is text and is escaped like any other.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { AppError } from '../../../shared/errors';

/** One CSV column. */
export interface CsvColumn {
  /** Property of the row object; a dotted path reaches nested values (`error.class`). */
  key: string;
  /** Header text. */
  header: string;
  /** 'time': the value is epoch ms, written as ISO-8601 UTC. Default 'auto' (by the value's type). */
  kind?: 'auto' | 'time';
}

export interface CsvOptions {
  /** Prepend a UTF-8 byte order mark (EF BB BF). Default false. */
  bom?: boolean;
}

export interface CsvExportResult {
  /** Data rows written (the header not counted). */
  rows: number;
  /** Bytes of the file. */
  bytes: number;
}

function isoOrEmpty(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? '';
  } catch {
    return '[unserializable]';
  }
}

/**
 * A Transform stream: write row objects, read CSV text (Buffer chunks, UTF-8).
 * Input: the columns (order and headers), options. Output: the stream; the header row (and BOM)
 * is written even when no row is. Errors: AppError VALIDATION for an empty column list or an empty
 * key; a non-object row makes the stream emit an error.
 */
export function createCsvStream(columns: readonly CsvColumn[], options: CsvOptions = {}): Stringifier {
  if (columns.length === 0) throw new AppError('VALIDATION', 'a CSV export needs at least one column');
  for (const c of columns) if (!c.key) throw new AppError('VALIDATION', `CSV column "${c.header}" has no key`);
  const timeKeys = new Set(columns.filter((c) => c.kind === 'time').map((c) => c.key));
  return stringify({
    bom: options.bom === true,
    header: true,
    columns: columns.map((c) => ({ key: c.key, header: c.header })),
    record_delimiter: 'windows',
    quote_record_delimiter: true,
    escape_formulas: true,
    cast: {
      number: (value, ctx) => {
        if (!ctx.header && ctx.column !== undefined && timeKeys.has(String(ctx.column))) return isoOrEmpty(value);
        return Number.isFinite(value) ? String(value) : '';
      },
      bigint: (value) => value.toString(),
      boolean: (value) => (value ? 'true' : 'false'),
      date: (value) => isoOrEmpty(value.getTime()),
      object: (value) => json(value),
    },
  });
}

function exportError(path: string, err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') return new AppError('STORAGE_FULL', `the disk is full: cannot write ${path}`);
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR' || code === 'ENOTDIR' || code === 'EROFS') {
    return new AppError('VALIDATION', `cannot write the CSV file ${path} (${code}): check that its folder exists and is writable`);
  }
  return err;
}

/**
 * Feed `rows` into a CSV stream with backpressure (wait for `drain` when its buffer is full), end
 * it, and wait for `done` (the pipeline to its destination). Resolves with the row count; rejects
 * with the row source's or the pipeline's error.
 */
export async function pumpRows(
  csv: ReturnType<typeof createCsvStream>,
  rows: AsyncIterable<object> | Iterable<object>,
  done: Promise<void>,
): Promise<number> {
  let count = 0;
  for await (const row of rows) {
    count++;
    if (!csv.write(row)) await Promise.race([once(csv, 'drain'), done]);
  }
  csv.end();
  await done;
  return count;
}

/**
 * Writes rows to a CSV file with constant memory: each write waits for `drain` when the stream's
 * buffer is full, so a slow disk slows the row source instead of filling memory. The file is
 * written as `<path>.partial` and renamed when complete; on failure the partial file is removed.
 * Input: the target path, the columns, rows (sync or async iterable of objects), options.
 * Output: rows written and file size. Errors: AppError STORAGE_FULL (disk full), VALIDATION
 * (unwritable path, bad columns); an error thrown by the row source is rethrown as is.
 */
export async function exportToFile(
  path: string,
  columns: readonly CsvColumn[],
  rows: AsyncIterable<object> | Iterable<object>,
  options: CsvOptions = {},
): Promise<CsvExportResult> {
  const partial = `${path}.partial`;
  const csv = createCsvStream(columns, options);
  const out = createWriteStream(partial);
  const done = pipeline(csv, out);
  done.catch(() => undefined); // observed below; avoid an unhandled rejection while rows are read
  let count: number;
  try {
    count = await pumpRows(csv, rows, done);
  } catch (err) {
    csv.destroy();
    await done.catch(() => undefined);
    if (!out.closed) await once(out, 'close');
    await rm(partial, { force: true });
    throw exportError(path, err);
  }
  try {
    await rename(partial, path);
  } catch (err) {
    await rm(partial, { force: true });
    throw exportError(path, err);
  }
  return { rows: count, bytes: out.bytesWritten };
}
