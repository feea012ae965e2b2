import { mkdtemp, readFile, rm, stat, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import {
  FAILURE_CSV_COLUMNS,
  JOB_CSV_COLUMNS,
  METRIC_CSV_COLUMNS,
  REPORT_GROUP_CSV_COLUMNS,
  REPORT_TREND_CSV_COLUMNS,
  buildReport,
  createCsvStream,
  exportToFile,
  failureCsvRows,
  reportGroupRows,
  reportTrendRows,
  type CsvColumn,
  type MetricSample,
} from '../../../src/main/engine/analytics';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jobhandle-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function toCsv(columns: readonly CsvColumn[], rows: object[], bom = false): Promise<Buffer> {
  const stream = createCsvStream(columns, { bom });
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (c: Buffer | string) => chunks.push(Buffer.from(c)));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const row of rows) stream.write(row);
  stream.end();
  await done;
  return Buffer.concat(chunks);
}

const COLUMNS: CsvColumn[] = [
  { key: 'id', header: 'id' },
  { key: 'text', header: 'text' },
  { key: 'n', header: 'n' },
  { key: 'at', header: 'at', kind: 'time' },
  { key: 'obj', header: 'obj' },
  { key: 'nested.value', header: 'nested' },
];

const TRICKY: [string, string][] = [
  ['comma', 'a, b, c'],
  ['quote', 'she said "hi"'],
  ['newline', 'line 1\nline 2'],
  ['crlf', 'line 1\r\nline 2'],
  ['lone-cr', 'a\rb'],
  ['emoji', 'done ✅ 🚀'],
  ['cjk', '任务失败：文件不存在'],
  ['accents', 'café crème, naïve Ångström'],
  ['empty', ''],
  ['spaces', '  padded  '],
];

/** Formula-like text cells: written with a leading ' (OWASP CSV injection advice). */
const FORMULAS: [string, string][] = [
  ['sum', '=SUM(A1)'],
  ['plus', '+1'],
  ['minus', '-cmd'],
  ['at', '@x'],
  ['tab', '\tcmd'],
  ['cr', '\r=1+1'],
  ['minus-number-text', '-12.5'],
  ['dde', '=cmd|\' /C calc\'!A0'],
];

describe('createCsvStream', () => {
  it('round-trips commas, quotes, newlines, CR, non-ASCII and empty cells through csv-parse', async () => {
    const rows = TRICKY.map(([id, text]) => ({ id, text }));
    const buf = await toCsv(COLUMNS, rows);
    const parsed = parse(buf, { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => [r.id, r.text])).toEqual(TRICKY);
  });

  it('escapes formula-like text with a leading quote, which is all that differs after a round trip', async () => {
    const buf = await toCsv(COLUMNS, FORMULAS.map(([id, text]) => ({ id, text })));
    const parsed = parse(buf, { columns: true }) as Record<string, string>[];
    expect(parsed.map((r) => [r.id, r.text])).toEqual(FORMULAS.map(([id, text]) => [id, `'${text}`]));
    // meaning unchanged: dropping the one leading quote gives back the original text
    expect(parsed.map((r) => r.text?.slice(1))).toEqual(FORMULAS.map(([, text]) => text));
  });

  it('writes numbers as numbers (a negative number is not escaped), times as ISO-8601 UTC, objects as JSON', async () => {
    const at = Date.UTC(2025, 0, 31, 9, 0, 0, 123);
    const buf = await toCsv(COLUMNS, [
      { id: 'a', text: null, n: -12.5, at, obj: { path: '/x', list: [1, '=2'] }, nested: { value: true } },
      { id: 'b', n: Number.NaN, at: null, obj: [1, 2] },
      { id: 'c', n: 10n, at: new Date(at), obj: new Date(at) },
    ]);
    const text = buf.toString('utf8');
    expect(text.split('\r\n')).toEqual([
      'id,text,n,at,obj,nested',
      'a,,-12.5,2025-01-31T09:00:00.123Z,"{""path"":""/x"",""list"":[1,""=2""]}",true',
      'b,,,,"[1,2]",',
      'c,,10,2025-01-31T09:00:00.123Z,2025-01-31T09:00:00.123Z,',
      '',
    ]);
    const parsed = parse(buf, { columns: true }) as Record<string, string>[];
    expect(JSON.parse(parsed[0]?.obj ?? '')).toEqual({ path: '/x', list: [1, '=2'] });
  });

  it('ends records with CRLF (RFC 4180) and quotes only when needed', async () => {
    const buf = await toCsv([{ key: 'a', header: 'a' }, { key: 'b', header: 'b' }], [{ a: 'plain', b: 'x,y' }]);
    expect(buf.toString('utf8')).toBe('a,b\r\nplain,"x,y"\r\n');
  });

  it('BOM on and off', async () => {
    const rows = [{ id: 'é' }];
    const withBom = await toCsv(COLUMNS, rows, true);
    const without = await toCsv(COLUMNS, rows, false);
    expect([...withBom.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(without[0]).toBe('i'.charCodeAt(0));
    expect(withBom.subarray(3)).toEqual(without);
    expect((parse(withBom, { columns: true, bom: true }) as Record<string, string>[])[0]?.id).toBe('é');
  });

  it('writes the header (and BOM) even with no rows', async () => {
    expect((await toCsv([{ key: 'a', header: 'a' }], [], true)).toString('utf8')).toBe('\uFEFFa\r\n');
  });

  it('rejects an empty column list', () => {
    expect(() => createCsvStream([])).toThrow(AppError);
  });
});

describe('column sets', () => {
  const T = Date.UTC(2025, 0, 15);
  const row = (id: string, status: 'completed' | 'failed', errorMessage: string | null) => ({
    id, type: 'http', queue: 'default', status, attempts: 1, createdAt: T, startedAt: T + 1000, finishedAt: T + 3000,
    errorClass: errorMessage ? ('permanent' as const) : null, errorMessage,
  });
  const report = buildReport([row('a', 'completed', null), row('b', 'failed', '=HYPERLINK("http://evil/x")')], { from: T, to: T + 3_600_000 });

  it('report groups, trend and failures export with ISO times and escaped formulas', async () => {
    const groups = parse(await toCsv(REPORT_GROUP_CSV_COLUMNS, [...reportGroupRows(report)]), { columns: true }) as Record<string, string>[];
    expect(groups.map((g) => [g.dimension, g.key, g.total, g.success_rate, g.duration_p50_ms, g.from])).toEqual([
      ['overall', '*', '2', '0.5', '2000', '2025-01-15T00:00:00.000Z'],
      ['type', 'http', '2', '0.5', '2000', '2025-01-15T00:00:00.000Z'],
      ['queue', 'default', '2', '0.5', '2000', '2025-01-15T00:00:00.000Z'],
    ]);
    const trend = parse(await toCsv(REPORT_TREND_CSV_COLUMNS, [...reportTrendRows(report)]), { columns: true }) as Record<string, string>[];
    expect(trend).toHaveLength(3);
    expect(trend[0]).toMatchObject({ bucket_start: '2025-01-15T00:00:00.000Z', bucket_end: '2025-01-15T01:00:00.000Z', completed: '1', failed: '1' });
    const failures = parse(await toCsv(FAILURE_CSV_COLUMNS, [...failureCsvRows(report.failures)]), { columns: true }) as Record<string, string>[];
    expect(failures).toEqual([
      {
        fingerprint: report.failures[0]?.key,
        error_class: 'permanent',
        message: "'=HYPERLINK(<str>)",
        count: '1',
        first_seen: '2025-01-15T00:00:03.000Z',
        last_seen: '2025-01-15T00:00:03.000Z',
        job_types: 'http',
        queues: 'default',
        example_job_ids: 'b',
        last_message: '\'=HYPERLINK("http://evil/x")',
      },
    ]);
  });

  it('jobs and metrics columns', async () => {
    const jobCsv = parse(
      await toCsv(JOB_CSV_COLUMNS, [
        { id: 'j1', type: 'http', queue: 'q', status: 'failed', priority: 'HIGH', createdAt: T, startedAt: null, parameters: { url: 'https://x' }, error: { class: 'permanent', message: 'boom, "bad"' }, metrics: { durationMs: 12 } },
      ]),
      { columns: true },
    ) as Record<string, string>[];
    expect(jobCsv[0]).toMatchObject({ id: 'j1', priority: 'HIGH', created_at: '2025-01-15T00:00:00.000Z', started_at: '', error_class: 'permanent', error_message: 'boom, "bad"', duration_ms: '12', parameters: '{"url":"https://x"}' });
    const sample: MetricSample = { ts: T, cpuPercent: 12.5, memoryPercent: 40, running: 2, pending: 7, workers: 4, throughputPerMin: 30, rateLimitWaits: 1, queueDepths: { default: { pending: 7 } } };
    const metrics = (await toCsv(METRIC_CSV_COLUMNS, [sample])).toString('utf8');
    expect(metrics).toBe(
      'ts,cpu_percent,memory_percent,running,pending,workers,throughput_per_min,rate_limit_waits,queue_depths\r\n' +
        '2025-01-15T00:00:00.000Z,12.5,40,2,7,4,30,1,"{""default"":{""pending"":7}}"\r\n',
    );
  });
});

describe('exportToFile', () => {
  it('writes a file from a sync iterable and reports rows and bytes', async () => {
    const path = join(dir, 'small.csv');
    const result = await exportToFile(path, COLUMNS, TRICKY.map(([id, text]) => ({ id, text })), { bom: true });
    const buf = await readFile(path);
    expect(result).toEqual({ rows: TRICKY.length, bytes: buf.length });
    expect((parse(buf, { columns: true, bom: true }) as Record<string, string>[]).map((r) => r.text)).toEqual(TRICKY.map(([, t]) => t));
  });

  it('an unwritable path is a VALIDATION error and leaves nothing behind', async () => {
    await expect(exportToFile(join(dir, 'missing', 'x.csv'), COLUMNS, [{ id: 'a' }])).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('a failing row source rethrows its error and removes the partial file', async () => {
    const path = join(dir, 'broken.csv');
    async function* rows() {
      yield { id: 'a' };
      throw new Error('store went away');
    }
    await expect(exportToFile(path, COLUMNS, rows())).rejects.toThrow('store went away');
    expect((await readdir(dir)).filter((f) => f.startsWith('broken'))).toEqual([]);
  });

  it('streams 200,000 rows from an async generator with small heap growth', async () => {
    const path = join(dir, 'big.csv');
    const N = 200_000;
    const T = Date.UTC(2025, 0, 1);
    async function* rows() {
      for (let i = 0; i < N; i++) {
        yield { id: `job-${i}`, text: i % 1000 === 0 ? `=cmd ${i}, "q"\n` : `row ${i} ✅`, n: i * 1.5, at: T + i * 1000, obj: { i } };
      }
    }
    global.gc?.();
    const before = process.memoryUsage().heapUsed;
    let peak = before;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }, 5);
    const start = performance.now();
    const result = await exportToFile(path, COLUMNS, rows());
    clearInterval(timer);
    const ms = performance.now() - start;
    global.gc?.();
    const after = process.memoryUsage().heapUsed;
    const size = (await stat(path)).size;
    const mb = (b: number) => (b / 1024 / 1024).toFixed(1);
    console.log(
      `CSV stream: ${N} rows, ${mb(size)} MB in ${ms.toFixed(0)} ms; heap before ${mb(before)} MB, after ${mb(after)} MB ` +
        `(growth ${mb(after - before)} MB), sampled peak ${mb(peak)} MB (+${mb(peak - before)} MB)`,
    );
    expect(result).toEqual({ rows: N, bytes: size });
    // count records with a real parser (embedded newlines make line counting wrong)
    const parsed = parse(await readFile(path), { columns: true }) as Record<string, string>[];
    expect(parsed).toHaveLength(N);
    expect(parsed[N - 1]).toMatchObject({ id: `job-${N - 1}`, at: new Date(T + (N - 1) * 1000).toISOString() });
    expect(parsed[1000]?.text).toBe('\'=cmd 1000, "q"\n');
    // the file is ~15 MB; a non-streaming export would hold all of it (and the rows) at once
    expect(after - before).toBeLessThan(32 * 1024 * 1024);
    expect(peak - before).toBeLessThan(64 * 1024 * 1024);
  });
});
