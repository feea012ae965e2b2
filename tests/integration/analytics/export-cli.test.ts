/**
 * CSV export through the `jobhandle` CLI: cells with commas, quotes, newlines, non-ASCII and
 * formula-like text round-trip through csv-parse unchanged in meaning; report, failures,
 * metrics and maintenance commands on a seeded store.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run-cli';
import { makeTempDir, startEngine } from '../../helpers/engine';
import { seedJobs, type SeedJob } from '../../helpers/analytics-seed';

const NASTY = [
  'plain',
  'a, b, and c',
  'she said "hi"',
  'line one\nline two\r\nline three',
  'Grüße, 日本語, émoji 🎉',
  '=SUM(A1:A9)',
  '+1 555 0100',
  '-12.5',
  '@cmd',
  '\tTAB',
  '＝HYPERLINK("x")',
];

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(args, { out: (t) => out.push(t), err: (t) => err.push(t), env: {} });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

/** The meaning of an exported text cell: without the one quote that escapes a formula-like start. */
function unescape(cell: string): string {
  return /^'[=+\-@\t\r＝＋－＠]/.test(cell) ? cell.slice(1) : cell;
}

async function seededDb(): Promise<{ dir: string; db: string; now: number }> {
  const dir = makeTempDir('jobhandle-export-');
  dirs.push(dir);
  const e = await startEngine({ dir, start: false });
  const now = Date.now();
  const jobs: SeedJob[] = NASTY.map((text, i) => ({
    id: `job-${i}`,
    type: 'noop',
    queue: i % 2 ? 'even' : 'odd',
    status: i % 3 === 0 ? 'failed' : 'completed',
    createdAt: now - 60_000 + i,
    startedAt: now - 50_000 + i,
    finishedAt: now - 40_000 + i,
    parameters: { text },
    result: i % 3 === 0 ? undefined : { echo: text },
    ...(i % 3 === 0 ? { errorClass: 'permanent', errorMessage: text } : {}),
  }));
  seedJobs(e.manager, jobs);
  const db = e.config.dbPath;
  await e.cleanup();
  return { dir, db, now };
}

describe('jobhandle export', () => {
  it('exports jobs whose cells round-trip through a CSV parser', async () => {
    const { dir, db } = await seededDb();
    const file = join(dir, 'jobs.csv');
    const res = await cli(['export', 'jobs', '--out', file, '--bom', '--db', db]);
    expect(res.err).toBe('');
    expect(res.code).toBe(0);
    expect(res.out).toContain(`wrote ${NASTY.length} rows`);
    const bytes = readFileSync(file);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = parse(bytes, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toHaveLength(NASTY.length);
    expect(Object.keys(rows[0]!)).toEqual([
      'id', 'type', 'queue', 'status', 'priority', 'progress', 'attempts', 'max_retries', 'created_at', 'run_at', 'started_at',
      'finished_at', 'duration_ms', 'wait_ms', 'worker', 'schedule_id', 'error_class', 'error_code', 'error_message', 'parameters', 'result',
    ]);
    rows.forEach((row, i) => {
      expect(row.id).toBe(`job-${i}`); // exported oldest first
      expect(JSON.parse(row.parameters!)).toEqual({ text: NASTY[i] });
      expect(row.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(row.duration_ms).toBe('10000');
      if (i % 3 === 0) {
        expect(unescape(row.error_message!)).toBe(NASTY[i]);
        expect(row.result).toBe('');
      } else {
        expect(JSON.parse(row.result!)).toEqual({ echo: NASTY[i] });
      }
    });
    // Formula-like text is escaped in the file; numbers are not.
    expect(rows.find((r) => r.id === 'job-6')!.error_message).toBe("'+1 555 0100");
    expect(rows.find((r) => r.id === 'job-0')!.error_message).toBe('plain');
    expect(rows.find((r) => r.id === 'job-9')!.error_message).toBe("'\tTAB");
    expect(rows.find((r) => r.id === 'job-3')!.error_message).toBe('line one\nline two\r\nline three');
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('filters the job export like the job list', async () => {
    const { dir, db } = await seededDb();
    const file = join(dir, 'failed.csv');
    expect((await cli(['export', 'jobs', '--out', file, '--status', 'failed', '--queue', 'odd', '--db', db])).code).toBe(0);
    const rows = parse(readFileSync(file), { columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.id)).toEqual(['job-0', 'job-6']);
  });

  it('prints the report and failures, exports them and the metrics, and runs maintenance', async () => {
    const { dir, db, now } = await seededDb();
    const from = new Date(now - 3_600_000).toISOString();
    const report = await cli(['report', '--from', from, '--json', '--db', db]);
    expect(report.code).toBe(0);
    const r = JSON.parse(report.out) as { overall: { counts: Record<string, number> } };
    expect(r.overall.counts).toEqual({ completed: 7, failed: 4, cancelled: 0, total: 11 });
    const text = await cli(['report', '--from', from, '--type', 'noop', '--db', db]);
    expect(text.out).toMatch(/overall\s+7\s+4\s+0\s+63\.6%/);

    const failures = await cli(['failures', '--from', from, '--json', '--db', db]);
    const f = JSON.parse(failures.out) as { failed: number; groups: Array<{ count: number; errorClass: string }> };
    expect(f.failed).toBe(4);
    expect(f.groups.reduce((n, g) => n + g.count, 0)).toBe(4);

    const failuresCsv = join(dir, 'failures.csv');
    expect((await cli(['export', 'failures', '--from', from, '--out', failuresCsv, '--db', db])).code).toBe(0);
    const groups = parse(readFileSync(failuresCsv), { columns: true }) as Array<Record<string, string>>;
    expect(groups).toHaveLength(4);
    expect(groups.map((g) => unescape(g.last_message!)).sort()).toEqual([NASTY[0], NASTY[3], NASTY[6], NASTY[9]].sort());

    const reportCsv = join(dir, 'report.csv');
    expect((await cli(['export', 'report', '--from', from, '--out', reportCsv, '--db', db])).code).toBe(0);
    const groupRows = parse(readFileSync(reportCsv), { columns: true }) as Array<Record<string, string>>;
    expect(groupRows.map((g) => `${g.dimension}:${g.key}`)).toEqual(['overall:*', 'type:noop', 'queue:even', 'queue:odd']);
    expect(groupRows[0]).toMatchObject({ completed: '7', failed: '4', total: '11', duration_p50_ms: '10000' });

    const metricsCsv = join(dir, 'metrics.csv');
    expect((await cli(['export', 'metrics', '--out', metricsCsv, '--db', db])).code).toBe(0);
    expect(readFileSync(metricsCsv, 'utf8')).toBe(
      'ts,cpu_percent,memory_percent,running,pending,workers,throughput_per_min,rate_limit_waits,queue_depths\r\n',
    );

    const maint = await cli(['maintenance', '--json', '--db', db]);
    expect(maint.code).toBe(0);
    const m = JSON.parse(maint.out) as { retention: Record<string, number>; store: { backup: string } };
    expect(m.retention).toEqual({ completed: 0, failed: 0, cancelled: 0 });
    expect(existsSync(m.store.backup)).toBe(true);
    const noBackup = await cli(['maintenance', '--no-backup', '--db', db]);
    expect(noBackup.out).toMatch(/retention: removed 0 completed/);
    expect(noBackup.out).not.toMatch(/backup written/);

    const usage = await cli(['export', 'everything', '--out', 'x.csv', '--db', db]);
    expect(usage.code).toBe(2);
  });
});
