/**
 * CSV export benchmark: seeds N finished jobs into a SQLite store, then exports them with
 * `JobManager.exportJobs` in a child process, so that its peak RSS (getrusage maxrss) is the
 * export's own. Run for 100k and 1M rows: peak memory must stay flat (< 200 MB) whatever the count.
 *
 *   node --import tsx bench/export-bench.ts [--rows 100000,1000000]      (or: npm run bench -- --export)
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { recountJobCounts } from '../src/main/engine/backend/sqlite/job-counts';
import { SqliteBackend } from '../src/main/engine/backend/sqlite/sqlite-backend';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import { tempDir, type BenchRow } from './bench-util';

const SELF = fileURLToPath(import.meta.url);

/** Insert `rows` finished jobs (a mix of outcomes, text with commas/quotes/non-ASCII) in chunks. */
async function seed(path: string, rows: number): Promise<void> {
  const backend = new SqliteBackend({ path });
  await backend.open();
  const db = backend.database;
  const insert = db.prepare(`INSERT INTO jobs (id, type, queue, parameters, priority, status, attempts, max_retries, retry_delay_s,
      timeout_s, run_at, created_at, started_at, finished_at, updated_at, result, error_class, error_message, metrics, limits)
    VALUES (?, ?, ?, ?, 1, ?, 1, 3, 60, 3600, ?, ?, ?, ?, ?, ?, ?, ?, '{"durationMs":1500}', '{}')`);
  const t0 = Date.parse('2025-01-01T00:00:00Z');
  const chunk = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const created = t0 + i * 100;
      const failed = i % 10 === 0;
      insert.run(
        `job-${i.toString(36).padStart(8, '0')}`,
        i % 3 ? 'extraction' : 'report',
        i % 2 ? 'default' : 'mail',
        JSON.stringify({ file: `/data/in/${i}.csv`, note: 'quoted "value", with commas — ü' }),
        failed ? 'failed' : 'completed',
        created,
        created,
        created + 50,
        created + 1550,
        created + 1550,
        failed ? null : JSON.stringify({ rows: i % 1000 }),
        failed ? 'transient' : null,
        failed ? `=connect ECONNREFUSED 10.0.0.${i % 255}:5432` : null,
      );
    }
  });
  for (let i = 0; i < rows; i += 10_000) chunk(i, Math.min(rows, i + 10_000));
  recountJobCounts(db);
  await backend.close();
}

/** In the child: export every job to `out`, print {rows, bytes, ms, maxRssMb}. */
async function child(dir: string, db: string, out: string): Promise<void> {
  const config = loadConfig({ env: { JOBHANDLE_DATA_DIR: dir }, overrides: { dbPath: db } });
  const manager = await JobManager.open({ config });
  const started = performance.now();
  const result = await manager.exportJobs(out, { sort: 'createdAt', order: 'asc' }, { bom: true });
  const ms = performance.now() - started;
  await manager.close();
  process.stdout.write(`${JSON.stringify({ ...result, ms, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

/** Seed and export each row count; rows for the bench table. */
export async function exportBench(options: { rows: number[] }): Promise<BenchRow[]> {
  const out: BenchRow[] = [];
  for (const rows of options.rows) {
    const t = tempDir('export');
    try {
      const db = join(t.dir, 'jobs.db');
      const seedStart = performance.now();
      await seed(db, rows);
      const seedMs = performance.now() - seedStart;
      const csv = join(t.dir, 'jobs.csv');
      const stdout = execFileSync(process.execPath, ['--import', 'tsx', SELF, '--child', '--dir', t.dir, '--db', db, '--out', csv], {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as { rows: number; bytes: number; ms: number; maxRssMb: number };
      const label = rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`;
      const group = `csv-export-${label}`;
      out.push(
        { group, name: 'seed (not timed in export)', value: seedMs / 1000, unit: 's' },
        { group, name: 'export jobs to CSV', value: r.ms / 1000, unit: 's', note: `${r.rows.toLocaleString('en-US')} rows, ${(statSync(csv).size / 1048576).toFixed(0)} MB file` },
        { group, name: 'export rows per second', value: r.rows / (r.ms / 1000), unit: 'rows/s' },
        { group, name: 'export peak RSS (child process)', value: r.maxRssMb, unit: 'MB', note: r.maxRssMb < 200 ? 'under 200 MB' : 'OVER 200 MB' },
      );
    } finally {
      t.cleanup();
    }
  }
  const peaks = out.filter((r) => r.name.startsWith('export peak'));
  if (peaks.length >= 2 && peaks[0]!.value && peaks[peaks.length - 1]!.value) {
    const first = peaks[0]!;
    const last = peaks[peaks.length - 1]!;
    out.push({
      group: 'csv-export',
      name: `peak RSS ${last.group.replace('csv-export-', '')} / ${first.group.replace('csv-export-', '')}`,
      value: last.value! / first.value!,
      unit: 'x',
      note: 'flat memory: close to 1 whatever the row count',
    });
  }
  return out;
}

if (process.argv[1] === SELF) {
  const { values } = parseArgs({
    options: { child: { type: 'boolean', default: false }, dir: { type: 'string' }, db: { type: 'string' }, out: { type: 'string' }, rows: { type: 'string', default: '100000,1000000' } },
  });
  if (values.child) {
    await child(values.dir!, values.db!, values.out!);
  } else {
    const { formatTable } = await import('./bench-util');
    process.stdout.write(`${formatTable(await exportBench({ rows: values.rows.split(',').map(Number) }))}\n`);
  }
  process.exit(0);
}
