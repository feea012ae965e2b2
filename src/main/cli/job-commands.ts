/**
 * `jobhandle` commands that work on jobs: submit, list, show, cancel, restart, stats, health,
 * cleanup, pause, resume. Each opens the store as a client; `submit --wait` runs an engine in
 * this process when no other engine is running.
 */
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { JobRecord, JobSubmission } from '../../shared/model';
import type { JobManager } from '../engine/manager';
import { pidAlive } from '../engine/recovery';
import { intOption, isoOption, numberOption, paramsFromFlags, parseCommand, UsageError } from './cli-args';
import { iso, jobDetail, jobsTable, table } from './cli-output';
import type { CliCommand, CliContext } from './cli-types';
import { dependencyLines, parseDependsOn } from './dependency-cli';

function submissionFromFlags(type: string, v: Record<string, unknown>): JobSubmission {
  const parameters = paramsFromFlags(v);
  const limits: Record<string, unknown> = {};
  if (v['max-memory-mb'] !== undefined) limits.maxMemoryMb = numberOption('max-memory-mb', v['max-memory-mb'], 1);
  if (v['max-cpu-percent'] !== undefined) limits.maxCpuPercent = numberOption('max-cpu-percent', v['max-cpu-percent'], 1);
  if (v['rate-pool'] !== undefined) limits.ratePool = String(v['rate-pool']);
  const at = isoOption('at', v.at);
  return {
    type,
    parameters,
    ...(v.queue !== undefined ? { queue: String(v.queue) } : {}),
    ...(v.priority !== undefined ? { priority: String(v.priority) as JobSubmission['priority'] } : {}),
    ...(at !== undefined ? { runAt: at } : {}),
    ...(v.timeout !== undefined ? { timeoutSeconds: numberOption('timeout', v.timeout, 0) } : {}),
    ...(v.retries !== undefined ? { maxRetries: intOption('retries', v.retries, 0, 100) } : {}),
    ...(v['retry-delay'] !== undefined ? { retryDelaySeconds: numberOption('retry-delay', v['retry-delay'], 0) } : {}),
    ...(Object.keys(limits).length ? { limits } : {}),
    ...(v['depends-on'] !== undefined ? { dependencies: parseDependsOn(v['depends-on'] as string[]) } : {}),
  };
}

/** Jobs of a JSONL file, one object per line; blank lines and `#` comments skipped. */
function readJobsFile(path: string): JobSubmission[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--file ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const jobs: JobSubmission[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim() || line.trimStart().startsWith('#')) return;
    try {
      jobs.push(JSON.parse(line) as JobSubmission);
    } catch (err) {
      throw new UsageError(`--file ${path} line ${i + 1}: not valid JSON (${(err as Error).message})`);
    }
  });
  if (!jobs.length) throw new UsageError(`--file ${path}: no jobs in the file`);
  return jobs;
}

/** Is an engine alive on this store (fresh heartbeat; on this host, a live pid)? */
async function engineRunning(manager: JobManager): Promise<boolean> {
  const now = Date.now();
  const host = hostname();
  return (await manager.backend.listEngines()).some(
    (e) => now - e.heartbeatAt < 30_000 && (e.hostname !== host || pidAlive(e.pid)),
  );
}

async function waitAndReport(manager: JobManager, job: JobRecord, ctx: CliContext): Promise<number> {
  const o = ctx.output;
  let embedded = false;
  if (!(await engineRunning(manager))) {
    if (!o.json) o.err('no engine is running on this store: running one in this process until the job finishes');
    await manager.start();
    embedded = true;
  }
  if (!o.json) {
    manager.on('job:progress', (e) => {
      if (e.id === job.id) o.err(`progress ${Math.round(e.progress)}%${e.message ? ` ${e.message}` : ''}`);
    });
    manager.on('job:retrying', (e) => {
      if (e.id === job.id) o.err(`attempt ${e.attempt} failed (${e.error.class}: ${e.error.message}); retrying at ${iso(e.runAt)}`);
    });
  }
  // A job that does not start is usually held back on purpose: say why, once, instead of hanging silently.
  let explained = false;
  const explain = setInterval(() => {
    void manager.getQueueStats().then((stats) => {
      if (explained || o.json || !stats.backpressure?.engaged) return;
      explained = true;
      o.err(`waiting: new jobs are held back because ${stats.backpressure.reason ?? 'the host is busy'} (see JOB_QUEUE_CPU_THRESHOLD / JOB_QUEUE_MEMORY_THRESHOLD)`);
    }, () => undefined);
  }, 3000);
  explain.unref();
  try {
    const final = await manager.waitForJob(job.id);
    if (o.json) o.out(JSON.stringify(final));
    else o.out(jobDetail(final));
    return final.status === 'completed' ? 0 : 1;
  } finally {
    clearInterval(explain);
    if (embedded) await manager.stop(5_000);
  }
}

const submit: CliCommand = {
  summary: 'submit a job (or a JSONL file of jobs)',
  usage:
    'submit <type> [--param k=v]... [--params-json JSON] [--priority LOW|NORMAL|HIGH|URGENT] [--queue Q] [--at ISO]\n' +
    '       [--timeout S] [--retries N] [--retry-delay S] [--max-memory-mb MB] [--max-cpu-percent P] [--rate-pool NAME] [--wait]\n' +
    '       [--depends-on ID[:success|failure|completion]]...   (waits for those jobs; default trigger success)\n' +
    '  submit --file JOBS.jsonl   (one job object per line; all or nothing)',
  async run(args, ctx) {
    const { values: v, positionals } = parseCommand(
      args,
      {
        param: { type: 'string', multiple: true },
        'params-json': { type: 'string' },
        priority: { type: 'string' },
        queue: { type: 'string' },
        at: { type: 'string' },
        timeout: { type: 'string' },
        retries: { type: 'string' },
        'retry-delay': { type: 'string' },
        'max-memory-mb': { type: 'string' },
        'max-cpu-percent': { type: 'string' },
        'rate-pool': { type: 'string' },
        'depends-on': { type: 'string', multiple: true },
        file: { type: 'string' },
        wait: { type: 'boolean', default: false },
      },
      1,
    );
    if (v.file !== undefined) {
      if (positionals.length) throw new UsageError('give either a type or --file, not both');
      const jobs = readJobsFile(String(v.file));
      return ctx.withManager(v, async (m) => {
        const records = await m.submitJobs(jobs);
        if (ctx.output.json) ctx.output.out(JSON.stringify(records.map((r) => ({ id: r.id, type: r.type, status: r.status }))));
        else ctx.output.out(`submitted ${records.length} jobs`);
        return 0;
      });
    }
    const type = positionals[0];
    if (!type) throw new UsageError('missing <type>: which kind of job to submit (e.g. command, http, module, extraction)');
    const submission = submissionFromFlags(type, v);
    return ctx.withManager(v, async (m) => {
      const job = await m.submitJob(submission);
      if (v.wait) return waitAndReport(m, job, ctx);
      ctx.output.out(ctx.output.json ? JSON.stringify(job) : `${job.id}  ${job.type}  ${job.status}`);
      return 0;
    });
  },
};

const list: CliCommand = {
  summary: 'list jobs, newest first',
  usage: 'list [--status S] [--type T] [--queue Q] [--priority P] [--text TEXT] [--limit N] [--cursor C]',
  async run(args, ctx) {
    const { values: v } = parseCommand(
      args,
      {
        status: { type: 'string', multiple: true },
        type: { type: 'string', multiple: true },
        queue: { type: 'string', multiple: true },
        priority: { type: 'string', multiple: true },
        text: { type: 'string' },
        limit: { type: 'string' },
        cursor: { type: 'string' },
      },
      0,
    );
    return ctx.withManager(v, async (m) => {
      const page = await m.listJobs({
        ...(v.status ? { status: v.status as never } : {}),
        ...(v.type ? { type: v.type as string[] } : {}),
        ...(v.queue ? { queue: v.queue as string[] } : {}),
        ...(v.priority ? { priority: v.priority as never } : {}),
        ...(v.text ? { text: String(v.text) } : {}),
        ...(v.cursor ? { cursor: String(v.cursor) } : {}),
        limit: intOption('limit', v.limit, 1, 1000) ?? 50,
      });
      if (ctx.output.json) ctx.output.out(JSON.stringify(page));
      else {
        ctx.output.out(page.jobs.length ? jobsTable(page.jobs) : 'no jobs match');
        if (page.nextCursor) ctx.output.out(`more: --cursor ${page.nextCursor}`);
      }
      return 0;
    });
  },
};

function idCommand(summary: string, action: (m: JobManager, id: string) => Promise<JobRecord>, verb: string): CliCommand {
  return {
    summary,
    usage: `${verb} <id>`,
    async run(args, ctx) {
      const { values: v, positionals } = parseCommand(args, {}, 1);
      const id = positionals[0];
      if (!id) throw new UsageError('missing <id>: the job id');
      return ctx.withManager(v, async (m) => {
        const job = await action(m, id);
        ctx.output.out(ctx.output.json ? JSON.stringify(job) : `${job.id}  ${job.status}${job.cancelRequested ? ' (cancel requested)' : ''}`);
        return 0;
      });
    },
  };
}

const show: CliCommand = {
  summary: 'show a job with its attempts and the tail of its log',
  usage: 'show <id> [--logs N]',
  async run(args, ctx) {
    const { values: v, positionals } = parseCommand(args, { logs: { type: 'string' } }, 1);
    const id = positionals[0];
    if (!id) throw new UsageError('missing <id>: the job id');
    const tail = intOption('logs', v.logs, 0, 100_000) ?? 20;
    return ctx.withManager(v, async (m) => {
      const job = await m.requireJob(id);
      const attempts = await m.getJobAttempts(id);
      const logs = await m.getJobLogs(id, 0, 100_000);
      const lastLogs = logs.slice(Math.max(0, logs.length - tail));
      const deps = m.backend.dependencies ? await m.getJobDependencies(id) : null;
      if (ctx.output.json) {
        ctx.output.out(JSON.stringify({ job, attempts, logs: lastLogs, dependencies: deps?.dependencies ?? [], dependents: deps?.dependents ?? [] }));
        return 0;
      }
      ctx.output.out(jobDetail(job));
      if (deps && (deps.dependencies.length || deps.dependents.length)) ctx.output.out(dependencyLines(deps));
      if (attempts.length) {
        ctx.output.out('\nattempts:');
        ctx.output.out(
          table([
            ['#', 'OUTCOME', 'STARTED', 'DURATION', 'ERROR'],
            ...attempts.map((a) => [String(a.attempt), a.outcome, iso(a.startedAt), a.durationMs === null ? '-' : `${a.durationMs} ms`, a.error ? `[${a.error.class}] ${a.error.message}` : '']),
          ]),
        );
      }
      if (lastLogs.length) {
        ctx.output.out(`\nlog (last ${lastLogs.length} of ${logs.length} lines):`);
        for (const l of lastLogs) ctx.output.out(`${iso(l.ts)} ${l.stream.padEnd(3)} ${l.line}`);
      }
      return 0;
    });
  },
};

const stats: CliCommand = {
  summary: 'queue statistics',
  usage: 'stats',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, {}, 0);
    return ctx.withManager(v, async (m) => {
      const s = await m.getQueueStats();
      if (ctx.output.json) ctx.output.out(JSON.stringify(s));
      else {
        ctx.output.out(table([['STATUS', 'JOBS'], ...Object.entries(s.counts).map(([k, n]) => [k, String(n)])]));
        ctx.output.out(`\nbackend ${s.backend}; throughput ${s.throughput_per_minute}/min; CPU ${s.cpu_usage_percent}%; memory ${s.memory_usage_percent}%`);
        if (s.pausedQueues.length) ctx.output.out(`paused queues: ${s.pausedQueues.join(', ')}`);
      }
      return 0;
    });
  },
};

const health: CliCommand = {
  summary: 'health check (exit 1 when unhealthy)',
  usage: 'health',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, {}, 0);
    return ctx.withManager(v, async (m) => {
      const h = await m.performHealthCheck();
      if (ctx.output.json) ctx.output.out(JSON.stringify(h));
      else {
        ctx.output.out(`status: ${h.status}`);
        for (const i of h.issues) ctx.output.out(`- [${i.severity}] ${i.check}: ${i.message}\n  → ${i.action}`);
      }
      return h.status === 'unhealthy' ? 1 : 0;
    });
  },
};

const cleanup: CliCommand = {
  summary: 'delete finished jobs older than N days',
  usage: 'cleanup --days N',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, { days: { type: 'string' } }, 0);
    const days = numberOption('days', v.days, 0);
    if (days === undefined) throw new UsageError('missing --days N: remove finished jobs older than N days');
    return ctx.withManager(v, async (m) => {
      const removed = await m.cleanupOldJobs(days);
      ctx.output.out(ctx.output.json ? JSON.stringify({ removed }) : `removed ${removed} jobs`);
      return 0;
    });
  },
};

function queueCommand(verb: 'pause' | 'resume'): CliCommand {
  return {
    summary: `${verb} a queue (no new jobs start while it is paused)`,
    usage: `${verb} <queue>`,
    async run(args, ctx) {
      const { values: v, positionals } = parseCommand(args, {}, 1);
      const queue = positionals[0];
      if (!queue) throw new UsageError('missing <queue>');
      return ctx.withManager(v, async (m) => {
        await (verb === 'pause' ? m.pauseQueue(queue) : m.resumeQueue(queue));
        ctx.output.out(ctx.output.json ? JSON.stringify({ queue, paused: verb === 'pause' }) : `${queue} ${verb}d`);
        return 0;
      });
    },
  };
}

export const JOB_COMMANDS: Record<string, CliCommand> = {
  submit,
  list,
  show,
  cancel: idCommand('cancel a waiting or running job', (m, id) => m.cancelJob(id), 'cancel'),
  restart: idCommand('run a failed or cancelled job again', (m, id) => m.restartJob(id), 'restart'),
  stats,
  health,
  cleanup,
  pause: queueCommand('pause'),
  resume: queueCommand('resume'),
};

