/**
 * Builds the SQL of a filtered, sorted, cursor-paged job listing. Keyset paging on
 * (sort value, seq): stable under inserts, constant cost per page however deep.
 */
import { PRIORITY_RANK, toEpochMs, type ParsedJobListQuery } from '../../../../shared/model';
import { decodeCursor, encodeCursor } from '../page-cursor';

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

/** The cursor of the page after the row with this sort value and seq. */
export function encodeJobCursor(value: number, seq: number): string {
  return encodeCursor({ v: value, s: seq });
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
    const c = decodeCursor<Cursor>(q.cursor, (c) => typeof c.v === 'number' && typeof c.s === 'number');
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
