/**
 * `jobhandle` commands of analytics and upkeep: report, failures, export, maintenance.
 * Each opens the store as a client; `maintenance` runs the maintenance in this process.
 */
import { resolve } from 'node:path';
import type { AnalyticsReport, GroupStats } from '../../shared/analytics-types';
import type { JobListQuery, JobStatus } from '../../shared/model';
import type { ReportRequest } from '../engine/analytics/analytics-service';
import { intOption, parseCommand, UsageError } from './cli-args';
import { iso, table } from './cli-output';
import type { CliCommand } from './cli-types';

const WINDOW_OPTIONS = {
  from: { type: 'string' },
  to: { type: 'string' },
  type: { type: 'string', multiple: true },
  queue: { type: 'string', multiple: true },
} as const;

/** An ISO-8601 date-time or epoch ms, or a UsageError naming the option. */
function timeOption(name: string, raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw).trim();
  const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
  if (!Number.isFinite(ms)) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an ISO-8601 date-time such as 2025-01-31T09:00:00Z`);
  return ms;
}

function windowOf(v: Record<string, unknown>): ReportRequest {
  const from = timeOption('from', v.from);
  const to = timeOption('to', v.to);
  const types = v.type as string[] | undefined;
  const queues = v.queue as string[] | undefined;
  let bucket: ReportRequest['bucket'];
  if (v.bucket !== undefined) {
    if (v.bucket !== 'hour' && v.bucket !== 'day') throw new UsageError(`--bucket ${JSON.stringify(v.bucket)}: expected hour or day`);
    bucket = v.bucket;
  }
  return {
    ...(from !== undefined ? { from } : {}),
    ...(to !== undefined ? { to } : {}),
    ...(types?.length ? { type: types } : {}),
    ...(queues?.length ? { queue: queues } : {}),
    ...(bucket ? { bucket } : {}),
  };
}

function pct(rate: number | null): string {
  return rate === null ? '-' : `${(rate * 100).toFixed(1)}%`;
}

function ms(value: number | null): string {
  return value === null ? '-' : `${Math.round(value)}`;
}

function groupRow(g: GroupStats): string[] {
  return [
    g.dimension === 'overall' ? 'overall' : `${g.dimension}:${g.key}`,
    String(g.counts.completed),
    String(g.counts.failed),
    String(g.counts.cancelled),
    pct(g.successRate),
    g.throughputPerHour.toFixed(2),
    ms(g.duration.p50),
    ms(g.duration.p95),
    ms(g.duration.p99),
    ms(g.wait.p50),
    ms(g.wait.p95),
    g.retries.mean === null ? '-' : g.retries.mean.toFixed(2),
  ];
}

function reportText(r: AnalyticsReport): string {
  const lines = [`jobs finished from ${iso(r.from)} to ${iso(r.to)} (${r.rows.counted} jobs)`, ''];
  lines.push(
    table([
      ['GROUP', 'DONE', 'FAILED', 'CANCELLED', 'SUCCESS', 'PER HOUR', 'P50 MS', 'P95 MS', 'P99 MS', 'WAIT P50', 'WAIT P95', 'RETRIES'],
      ...[r.overall, ...r.groups].map(groupRow),
    ]),
  );
  if (r.failures.length) {
    lines.push('', `failures (${r.failures.length} groups):`);
    for (const f of r.failures.slice(0, 10)) lines.push(`  ${String(f.count).padStart(6)}  [${f.errorClass}] ${f.normalized}  (last ${iso(f.lastSeen)})`);
  }
  if (r.slowRunCount) {
    lines.push('', `slow runs: ${r.slowRunCount}`);
    for (const s of r.slowRuns.slice(0, 10)) lines.push(`  ${s.id} ${s.type}: ${s.durationMs} ms (threshold ${Math.round(s.thresholdMs)} ms)`);
  }
  return lines.join('\n');
}

const report: CliCommand = {
  summary: 'analytics report of jobs finished in a window (default: the last 24 h)',
  usage: 'report [--from ISO] [--to ISO] [--type T]... [--queue Q]... [--bucket hour|day] [--json]',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, { ...WINDOW_OPTIONS, bucket: { type: 'string' } }, 0);
    const request = windowOf(v);
    return ctx.withManager(v, async (m) => {
      const r = await m.getAnalyticsReport(request);
      ctx.output.out(ctx.output.json ? JSON.stringify(r) : reportText(r));
      return 0;
    });
  },
};

const failures: CliCommand = {
  summary: 'failures of a window grouped by error class and normalized message',
  usage: 'failures [--from ISO] [--to ISO] [--type T]... [--queue Q]... [--json]',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, WINDOW_OPTIONS, 0);
    const request = windowOf(v);
    return ctx.withManager(v, async (m) => {
      const f = await m.getFailureAnalysis(request);
      if (ctx.output.json) {
        ctx.output.out(JSON.stringify(f));
        return 0;
      }
      ctx.output.out(`${f.failed} failed jobs from ${iso(f.from)} to ${iso(f.to)} in ${f.groups.length} groups`);
      if (f.groups.length) {
        ctx.output.out(
          table([
            ['COUNT', 'CLASS', 'MESSAGE', 'FIRST SEEN', 'LAST SEEN', 'TYPES', 'EXAMPLES'],
            ...f.groups.map((g) => [String(g.count), g.errorClass, g.normalized, iso(g.firstSeen), iso(g.lastSeen), g.types.join(','), g.exampleJobIds.slice(0, 3).join(' ')]),
          ]),
        );
      }
      return 0;
    });
  },
};

const EXPORT_KINDS = ['jobs', 'report', 'failures', 'metrics'] as const;

const exportCommand: CliCommand = {
  summary: 'export jobs, the report, the failures or the metrics history to a CSV file',
  usage:
    'export jobs|report|failures|metrics --out FILE [--bom]\n' +
    '  jobs:     [--status S]... [--type T]... [--queue Q]... [--text TEXT] [--created-after ISO] [--created-before ISO]\n' +
    '  report:   [--from ISO] [--to ISO] [--type T]... [--queue Q]... [--bucket hour|day] [--trend]\n' +
    '  failures: [--from ISO] [--to ISO] [--type T]... [--queue Q]...\n' +
    '  metrics:  [--from ISO] [--to ISO] [--resolution raw|minute|hour]',
  async run(args, ctx) {
    const { values: v, positionals } = parseCommand(
      args,
      {
        ...WINDOW_OPTIONS,
        out: { type: 'string' },
        bom: { type: 'boolean', default: false },
        status: { type: 'string', multiple: true },
        text: { type: 'string' },
        'created-after': { type: 'string' },
        'created-before': { type: 'string' },
        bucket: { type: 'string' },
        trend: { type: 'boolean', default: false },
        resolution: { type: 'string' },
      },
      1,
    );
    const kind = positionals[0] as (typeof EXPORT_KINDS)[number] | undefined;
    if (!kind || !EXPORT_KINDS.includes(kind)) throw new UsageError(`expected what to export: ${EXPORT_KINDS.join(', ')}`);
    if (!v.out) throw new UsageError('missing --out FILE');
    const out = resolve(String(v.out));
    const csv = { bom: v.bom === true };
    return ctx.withManager(v, async (m) => {
      let result;
      if (kind === 'jobs') {
        const query: JobListQuery = {
          ...(v.status ? { status: v.status as JobStatus[] } : {}),
          ...(v.type ? { type: v.type as string[] } : {}),
          ...(v.queue ? { queue: v.queue as string[] } : {}),
          ...(v.text ? { text: String(v.text) } : {}),
          ...(v['created-after'] !== undefined ? { createdAfter: timeOption('created-after', v['created-after'])! } : {}),
          ...(v['created-before'] !== undefined ? { createdBefore: timeOption('created-before', v['created-before'])! } : {}),
          sort: 'createdAt',
          order: 'asc',
        };
        result = await m.exportJobs(out, query, csv);
      } else if (kind === 'report') {
        result = await m.exportReport(out, windowOf(v), { ...csv, table: v.trend ? 'trend' : 'groups' });
      } else if (kind === 'failures') {
        result = await m.exportFailures(out, windowOf(v), csv);
      } else {
        const resolution = v.resolution as string | undefined;
        if (resolution !== undefined && !['raw', 'minute', 'hour'].includes(resolution)) {
          throw new UsageError(`--resolution ${JSON.stringify(resolution)}: expected raw, minute or hour`);
        }
        const { from, to } = windowOf({ from: v.from, to: v.to });
        result = await m.exportMetrics(
          out,
          { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(resolution ? { resolution: resolution as 'raw' } : {}) },
          csv,
        );
      }
      ctx.output.out(ctx.output.json ? JSON.stringify({ file: out, ...result }) : `wrote ${result.rows} rows (${result.bytes} bytes) to ${out}`);
      return 0;
    });
  },
};

const maintenance: CliCommand = {
  summary: 'run maintenance now: retention, metrics roll-up, WAL checkpoint, VACUUM when worthwhile, backup',
  usage: 'maintenance [--no-backup] [--no-retention] [--keep-backups N] [--json]',
  async run(args, ctx) {
    const { values: v } = parseCommand(
      args,
      { 'no-backup': { type: 'boolean', default: false }, 'no-retention': { type: 'boolean', default: false }, 'keep-backups': { type: 'string' } },
      0,
    );
    const keepBackups = intOption('keep-backups', v['keep-backups'], 1, 365);
    return ctx.withManager(v, async (m) => {
      const lines: string[] = [];
      const result = await m.runMaintenance(
        {
          backup: v['no-backup'] !== true && m.config.maintenance.backup,
          retention: v['no-retention'] !== true,
          keepBackups: keepBackups ?? m.config.maintenance.keepBackups,
        },
        (line) => lines.push(line),
      );
      ctx.output.out(ctx.output.json ? JSON.stringify(result) : lines.join('\n'));
      return 0;
    });
  },
};

export const ANALYTICS_COMMANDS: Record<string, CliCommand> = { report, failures, export: exportCommand, maintenance };
