/**
 * Log lines as BullMQ log rows: `<ISO-8601 time> [<stream>] <line>` — readable in any BullMQ tool,
 * and parsed back into JobLogLine. A row written by a plain BullMQ `job.log(text)` reads as
 * stream `log` with time 0.
 */
import type { JobLogLine } from '../../../../shared/model';
import type { LogEntry } from '../queue-backend';

const ROW = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[(out|err|log)\] ([\s\S]*)$/;

/** The BullMQ log row of a JobHandle log line. */
export function formatLogRow(l: Pick<LogEntry, 'ts' | 'stream' | 'line'>): string {
  return `${new Date(l.ts).toISOString()} [${l.stream}] ${l.line}`;
}

/** A BullMQ log row back into time, stream and text. */
export function parseLogRow(row: string): Omit<JobLogLine, 'seq'> {
  const m = ROW.exec(row);
  if (!m) return { ts: 0, stream: 'log', line: row };
  return { ts: Date.parse(m[1]!), stream: m[2] as JobLogLine['stream'], line: m[3]! };
}
