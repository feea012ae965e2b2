/**
 * `jobhandle schedule …`: add, list, next, pause, resume, rm. Each opens the store as a client;
 * a running engine (app or `start-worker`) picks the change up within its watch interval.
 */
import { readFileSync } from 'node:fs';
import type { ScheduleView } from '../../shared/schedule-types';
import type { JobManager } from '../engine/manager';
import { intOption, isoOption, numberOption, paramsFromFlags, parseCommand, UsageError } from './cli-args';
import { iso, table } from './cli-output';
import type { CliCommand, CliContext } from './cli-types';

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `30s`, `5m`, `2h`, `1d`, `1h30m`, or plain seconds → whole seconds. Throws UsageError. */
export function parseDuration(raw: string): number {
  const text = raw.trim().toLowerCase();
  if (/^\d+$/.test(text)) return Number(text);
  if (!/^(\d+[smhd])+$/.test(text)) {
    throw new UsageError(`--every ${JSON.stringify(raw)}: expected a duration such as 30s, 5m, 2h, 1d or 1h30m`);
  }
  let total = 0;
  for (const [, n, unit] of text.matchAll(/(\d+)([smhd])/g)) total += Number(n) * UNIT_SECONDS[unit!]!;
  if (total <= 0) throw new UsageError(`--every ${JSON.stringify(raw)}: must be at least 1 second`);
  return total;
}

function trigger(s: ScheduleView): string {
  const d = s.definition;
  if (d.cronExpression !== undefined) return `cron ${d.cronExpression}`;
  if (d.intervalSeconds !== undefined) return `every ${d.intervalSeconds}s`;
  return `at ${iso(d.scheduledTime)}`;
}

function stateOf(s: ScheduleView): string {
  if (s.state.endedReason) return `ended (${s.state.endedReason})`;
  return s.state.paused ? 'paused' : 'active';
}

function schedulesTable(list: ScheduleView[]): string {
  const rows = [['ID', 'TYPE', 'TRIGGER', 'ZONE', 'NEXT (LOCAL)', 'RUNS', 'SKIPPED', 'STATE']];
  for (const s of list) {
    rows.push([s.id, s.definition.name ? `${s.definition.type} (${s.definition.name})` : s.definition.type, trigger(s), s.definition.timezone, s.nextFire?.local ?? '-', String(s.state.runs), String(s.state.skipped), stateOf(s)]);
  }
  return table(rows);
}

/** The schedule definition `schedule add` sends, from its flags. */
export function definitionFromFlags(type: string, v: Record<string, unknown>): Record<string, unknown> {
  const triggers = ['cron', 'every', 'at'].filter((k) => v[k] !== undefined);
  if (triggers.length !== 1) {
    throw new UsageError(triggers.length ? `give one of --cron, --every, --at (got ${triggers.map((t) => `--${t}`).join(' and ')})` : 'missing trigger: give --cron EXPR, --every DURATION or --at ISO');
  }
  if (v.tz !== undefined && v.cron === undefined) throw new UsageError('--tz applies to --cron only');
  const def: Record<string, unknown> = { type, parameters: paramsFromFlags(v) };
  if (v.cron !== undefined) def.cronExpression = String(v.cron);
  if (v.every !== undefined) def.intervalSeconds = parseDuration(String(v.every));
  if (v.at !== undefined) def.scheduledTime = isoOption('at', v.at);
  if (v.tz !== undefined) def.timezone = String(v.tz);
  if (v.name !== undefined) def.name = String(v.name);
  if (v.misfire !== undefined) def.misfirePolicy = String(v.misfire).replace('-', '_');
  if (v.overlap !== undefined) def.overlapPolicy = String(v.overlap);
  if (v['misfire-threshold'] !== undefined) def.misfireThresholdSeconds = numberOption('misfire-threshold', v['misfire-threshold'], 0);
  if (v['max-catch-up'] !== undefined) def.maxCatchUp = intOption('max-catch-up', v['max-catch-up'], 1, 1000);
  if (v['max-runs'] !== undefined) def.maxRuns = intOption('max-runs', v['max-runs'], 1);
  if (v.start !== undefined) def.startDate = isoOption('start', v.start);
  if (v.end !== undefined) def.endDate = isoOption('end', v.end);
  if (v.priority !== undefined) def.priority = String(v.priority);
  if (v.queue !== undefined) def.queue = String(v.queue);
  if (v.timeout !== undefined) def.timeoutSeconds = numberOption('timeout', v.timeout, 0);
  if (v.retries !== undefined) def.maxRetries = intOption('retries', v.retries, 0, 100);
  if (v['retry-delay'] !== undefined) def.retryDelaySeconds = numberOption('retry-delay', v['retry-delay'], 0);
  return def;
}

const ADD_OPTIONS = {
  cron: { type: 'string' },
  tz: { type: 'string' },
  every: { type: 'string' },
  at: { type: 'string' },
  name: { type: 'string' },
  misfire: { type: 'string' },
  'misfire-threshold': { type: 'string' },
  'max-catch-up': { type: 'string' },
  overlap: { type: 'string' },
  'max-runs': { type: 'string' },
  start: { type: 'string' },
  end: { type: 'string' },
  param: { type: 'string', multiple: true },
  'params-json': { type: 'string' },
  'params-file': { type: 'string' },
  priority: { type: 'string' },
  queue: { type: 'string' },
  timeout: { type: 'string' },
  retries: { type: 'string' },
  'retry-delay': { type: 'string' },
} as const;

const USAGE = [
  'schedule add <type> (--cron EXPR [--tz ZONE] | --every DURATION | --at ISO) [--misfire skip|run_once|run_all]',
  '         [--overlap allow|skip|queue] [--misfire-threshold S] [--max-catch-up N] [--max-runs N] [--start ISO] [--end ISO]',
  '         [--name NAME] [--param k=v]... [--params-json JSON] [--priority P] [--queue Q] [--timeout S] [--retries N] [--retry-delay S]',
  '  schedule list [--paused|--active] [--limit N] [--cursor C]',
  '  schedule next <id> [--count N]',
  '  schedule show <id>',
  '  schedule pause|resume|rm <id>',
  '  (DURATION: 30s, 5m, 2h, 1d, 1h30m; all subcommands take --json)',
].join('\n');

type Sub = (args: string[], ctx: CliContext) => Promise<number>;

function one(ctx: CliContext, s: ScheduleView, verb: string): void {
  if (ctx.output.json) ctx.output.out(JSON.stringify(s));
  else ctx.output.out(`${s.id}  ${verb}  ${trigger(s)}  next: ${s.nextFire ? `${s.nextFire.local} (${s.nextFire.utc})` : '-'}`);
}

function idSub(verb: string, action: (m: JobManager, id: string) => Promise<ScheduleView | { id: string; deleted: true }>): Sub {
  return async (args, ctx) => {
    const { values: v, positionals } = parseCommand(args, {}, 1);
    const id = positionals[0];
    if (!id) throw new UsageError('missing <id>: the schedule id (see `jobhandle schedule list`)');
    return ctx.withManager(v, async (m) => {
      const res = await action(m, id);
      if ('deleted' in res) ctx.output.out(ctx.output.json ? JSON.stringify(res) : `${id}  deleted`);
      else one(ctx, res, verb);
      return 0;
    });
  };
}

const SUBCOMMANDS: Record<string, Sub> = {
  async add(args, ctx) {
    const { values: v, positionals } = parseCommand(args, ADD_OPTIONS, 1);
    const type = positionals[0];
    if (!type) throw new UsageError('missing <type>: which kind of job each run creates');
    if (v['params-file'] !== undefined) v['params-json'] = readFileSync(String(v['params-file']), 'utf8');
    const def = definitionFromFlags(type, v);
    return ctx.withManager(v, async (m) => {
      one(ctx, await m.createSchedule(def), 'created');
      return 0;
    });
  },
  async list(args, ctx) {
    const { values: v } = parseCommand(
      args,
      { paused: { type: 'boolean' }, active: { type: 'boolean' }, limit: { type: 'string' }, cursor: { type: 'string' } },
      0,
    );
    return ctx.withManager(v, async (m) => {
      const page = await m.listSchedules({
        ...(v.paused ? { paused: true } : {}),
        ...(v.active ? { active: true } : {}),
        ...(v.cursor ? { cursor: String(v.cursor) } : {}),
        limit: intOption('limit', v.limit, 1, 1000) ?? 100,
      });
      if (ctx.output.json) ctx.output.out(JSON.stringify(page));
      else {
        ctx.output.out(page.schedules.length ? schedulesTable(page.schedules) : 'no schedules');
        if (page.nextCursor) ctx.output.out(`more: --cursor ${page.nextCursor}`);
      }
      return 0;
    });
  },
  async next(args, ctx) {
    const { values: v, positionals } = parseCommand(args, { count: { type: 'string' } }, 1);
    const id = positionals[0];
    if (!id) throw new UsageError('missing <id>: the schedule id');
    const count = intOption('count', v.count, 1, 1000) ?? 5;
    return ctx.withManager(v, async (m) => {
      const p = await m.previewSchedule(id, count);
      if (ctx.output.json) ctx.output.out(JSON.stringify(p));
      else ctx.output.out(p.fires.length ? table([[`LOCAL (${p.zone})`, 'UTC'], ...p.fires.map((f) => [f.local, f.utc])]) : 'no further fire times (the schedule has ended)');
      return 0;
    });
  },
  async show(args, ctx) {
    const { values: v, positionals } = parseCommand(args, {}, 1);
    const id = positionals[0];
    if (!id) throw new UsageError('missing <id>: the schedule id');
    return ctx.withManager(v, async (m) => {
      const s = await m.getSchedule(id);
      if (ctx.output.json) ctx.output.out(JSON.stringify(s));
      else {
        ctx.output.out(schedulesTable([s]));
        ctx.output.out(`misfire ${s.definition.misfirePolicy} (threshold ${s.definition.misfireThresholdSeconds} s), overlap ${s.definition.overlapPolicy}`);
        if (s.fires.length) ctx.output.out(`\nlatest runs:\n${table([['SLOT', 'JOB'], ...s.fires.map((f) => [iso(f.slot), f.jobId])])}`);
      }
      return 0;
    });
  },
  pause: idSub('paused', (m, id) => m.pauseSchedule(id)),
  resume: idSub('resumed', (m, id) => m.resumeSchedule(id)),
  rm: idSub('deleted', (m, id) => m.deleteSchedule(id)),
};

const schedule: CliCommand = {
  summary: 'manage schedules: add, list, next, show, pause, resume, rm',
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const fn = sub ? SUBCOMMANDS[sub] : undefined;
    if (!fn) throw new UsageError(sub ? `unknown subcommand "${sub}"; expected ${Object.keys(SUBCOMMANDS).join(', ')}` : `missing subcommand: ${Object.keys(SUBCOMMANDS).join(', ')}`);
    return fn(rest, ctx);
  },
};

export const SCHEDULE_COMMANDS: Record<string, CliCommand> = { schedule };
