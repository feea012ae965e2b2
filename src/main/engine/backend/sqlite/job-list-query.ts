/**
 * Builds the SQL of a filtered, sorted, cursor-paged job listing. Keyset paging on
 * (sort value, seq): stable under inserts, constant cost per page however deep.
 */
import { PRIORITY_RANK, toEpochMs, type ParsedJobListQuery } from '../../../../shared/model';
import { AppError } from '../../../../shared/errors';

const SORT_COLUMNS: Record<ParsedJobListQuery['sort'], string> = {
  createdAt: 'seq',
  updatedAt: 'updated_at',
  priority: 'priority',
  runAt: 'run_at',
  finishedAt: 'COALESCE(finished_at, 0)',
};

interface Cursor {
  v: number;
  s: number;
}

export function encodeCursor(value: number, seq: number): string {
  return Buffer.from(JSON.stringify({ v: value, s: seq })).toString('base64url');
}

function decodeCursor(cursor: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Cursor;
    if (typeof parsed.v === 'number' && typeof parsed.s === 'number') return parsed;
  } catch {
    /* fall through */
  }
  throw new AppError('VALIDATION', 'invalid query: cursor: not a cursor returned by a previous page');
}

/** Escape LIKE wildcards so that user text matches literally. */
function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export interface BuiltListQuery {
  sql: string;
  params: unknown[];
  /** SQL expression of the sort value, selected as `sort_value`. */
  sortExpr: string;
}

export function buildListQuery(q: ParsedJobListQuery): BuiltListQuery {
  const where: string[] = [];
  const params: unknown[] = [];
  const inList = (column: string, values: readonly unknown[]) => {
    where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
    params.push(...values);
  };
  if (q.status?.length) inList('status', q.status);
  if (q.type?.length) inList('type', q.type);
  if (q.queue?.length) inList('queue', q.queue);
  if (q.priority?.length) inList('priority', q.priority.map((p) => PRIORITY_RANK[p]));
  if (q.createdAfter !== undefined) {
    where.push('created_at >= ?');
    params.push(toEpochMs(q.createdAfter));
  }
  if (q.createdBefore !== undefined) {
    where.push('created_at < ?');
    params.push(toEpochMs(q.createdBefore));
  }
  if (q.text) {
    const pattern = likePattern(q.text);
    where.push(
      "(id = ? OR parameters LIKE ? ESCAPE '\\' OR result LIKE ? ESCAPE '\\' OR error_message LIKE ? ESCAPE '\\')",
    );
    params.push(q.text, pattern, pattern, pattern);
  }
  const sortExpr = SORT_COLUMNS[q.sort];
  const desc = q.order === 'desc';
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    const op = desc ? '<' : '>';
    where.push(sortExpr === 'seq' ? `seq ${op} ?` : `(${sortExpr} ${op} ? OR (${sortExpr} = ? AND seq ${op} ?))`);
    params.push(...(sortExpr === 'seq' ? [c.s] : [c.v, c.v, c.s]));
  }
  const dir = desc ? 'DESC' : 'ASC';
  const order = sortExpr === 'seq' ? `seq ${dir}` : `${sortExpr} ${dir}, seq ${dir}`;
  const sql =
    `SELECT *, ${sortExpr} AS sort_value FROM jobs` +
    (where.length ? ` WHERE ${where.join(' AND ')}` : '') +
    ` ORDER BY ${order} LIMIT ?`;
  params.push(q.limit + 1);
  return { sql, params, sortExpr };
}
