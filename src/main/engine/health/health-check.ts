/**
 * The health check, as the original `perform_health_check()`: `{status, issues, checks}`.
 * Each issue names its cause and a suggested action. A pure function of the facts gathered by
 * the manager, so that every rule is testable with scripted facts.
 */
import type { HealthIssue, HealthReport } from '../../../shared/model';

export interface HealthFacts {
  now: number;
  backend: { kind: string; location: string; reachable: boolean; warning: string | null };
  /** null when this process runs no workers (a client-only manager). */
  workers: { running: number; minimum: number } | null;
  backlog: { pending: number; oldestPendingAgeMs: number | null };
  overdueJobs: Array<{ id: string; type: string; runningForMs: number; timeoutSeconds: number }>;
  host: { cpuPercent: number; memoryPercent: number; cpuThreshold: number; memoryThreshold: number };
  /** Backlog age above which the queue counts as stalled. */
  stalledAfterMs: number;
  /** Host backpressure of the running engine (absent: no engine here, thresholds compared directly). */
  backpressure?: { engaged: boolean; reason: string | null; since: number | null };
  /** Free space of the database's file system; absent for remote stores. freeBytes null: unknown. */
  disk?: { path: string; freeBytes: number | null; minFreeBytes: number };
  /** The last integrity check of the store (cached: it can be slow on big files); absent: not checked. */
  integrity?: { ok: boolean; detail: string; checkedAt: number };
  /** Failed and finished (completed + failed) jobs in the recent window and the baseline before it. */
  failureRate?: FailureRateFacts;
}

export interface FailureRateFacts {
  recentMinutes: number;
  baselineHours: number;
  recent: { failed: number; finished: number };
  baseline: { failed: number; finished: number };
}

/** The spike rule's constants (docs/analytics.md, "Health"). */
export const FAILURE_SPIKE_RULE = Object.freeze({ minFailures: 5, minRate: 0.25, factor: 2 });

/**
 * A failure-rate spike: in the recent window at least 5 jobs failed, at least 25 % of the finished
 * jobs failed, and that rate is at least twice the baseline's (any rate when the baseline is
 * empty). Input: the counts. Output: true when it is a spike. Never throws.
 */
export function isFailureSpike(f: FailureRateFacts): boolean {
  const recentRate = f.recent.finished ? f.recent.failed / f.recent.finished : 0;
  const baselineRate = f.baseline.finished ? f.baseline.failed / f.baseline.finished : 0;
  return (
    f.recent.failed >= FAILURE_SPIKE_RULE.minFailures &&
    recentRate >= FAILURE_SPIKE_RULE.minRate &&
    recentRate >= FAILURE_SPIKE_RULE.factor * baselineRate
  );
}

function mb(bytes: number): string {
  return `${Math.round(bytes / 1048576).toLocaleString('en-US')} MB`;
}

/** Evaluate the facts. unhealthy: a critical issue; degraded: warnings only; else healthy. */
export function evaluateHealth(f: HealthFacts): HealthReport {
  const issues: HealthIssue[] = [];
  const checks: HealthReport['checks'] = {};

  checks.backend = { ok: f.backend.reachable && !f.backend.warning, kind: f.backend.kind, location: f.backend.location };
  if (!f.backend.reachable) {
    issues.push({
      check: 'backend',
      severity: 'critical',
      message: `the ${f.backend.kind} store at ${f.backend.location} cannot be reached`,
      action: f.backend.kind === 'redis' ? 'check that Redis is running and REDIS_URL is right' : 'check the disk and the file permissions of the database',
    });
  } else if (f.backend.warning) {
    issues.push({ check: 'backend', severity: 'warning', message: f.backend.warning, action: 'see the backend settings' });
  }

  if (f.workers) {
    const ok = f.workers.running >= f.workers.minimum;
    checks.workers = { ok, running: f.workers.running, minimum: f.workers.minimum };
    if (!ok) {
      issues.push({
        check: 'workers',
        severity: f.workers.running === 0 && f.workers.minimum > 0 ? 'critical' : 'warning',
        message: `${f.workers.running} worker processes running, minimum is ${f.workers.minimum}`,
        action: 'look at the engine log for workers that crash at start (a handler module failing to load)',
      });
    }
  }

  const stalled = f.backlog.oldestPendingAgeMs !== null && f.backlog.oldestPendingAgeMs > f.stalledAfterMs;
  checks.backlog = { ok: !stalled, pending: f.backlog.pending, oldestPendingAgeMs: f.backlog.oldestPendingAgeMs };
  if (stalled) {
    issues.push({
      check: 'backlog',
      severity: 'warning',
      message: `${f.backlog.pending} jobs pending; the oldest has waited ${Math.round(f.backlog.oldestPendingAgeMs! / 1000)} s`,
      action: f.workers ? 'add workers, raise concurrency, or check for a paused queue' : 'start an engine: jobhandle start-worker',
    });
  }

  checks.stuckJobs = { ok: f.overdueJobs.length === 0, count: f.overdueJobs.length, ids: f.overdueJobs.map((j) => j.id) };
  if (f.overdueJobs.length) {
    const first = f.overdueJobs[0]!;
    issues.push({
      check: 'stuckJobs',
      severity: 'warning',
      message: `${f.overdueJobs.length} running jobs are past their timeout (e.g. ${first.type} job ${first.id}, timeout ${first.timeoutSeconds} s)`,
      action: 'cancel them; if they belong to a stopped engine, start it again so that it recovers them',
    });
  }

  const cpuHigh = f.host.cpuPercent >= f.host.cpuThreshold;
  const memHigh = f.host.memoryPercent >= f.host.memoryThreshold;
  checks.host = { ok: !cpuHigh && !memHigh, cpuPercent: f.host.cpuPercent, memoryPercent: f.host.memoryPercent };
  if (f.backpressure) {
    checks.backpressure = { ok: !f.backpressure.engaged, engaged: f.backpressure.engaged, reason: f.backpressure.reason, since: f.backpressure.since };
    if (f.backpressure.engaged) {
      issues.push({
        check: 'backpressure',
        severity: 'warning',
        message: `new jobs are held back: ${f.backpressure.reason ?? 'host busy'}${f.backpressure.since ? ` since ${new Date(f.backpressure.since).toISOString()}` : ''}`,
        action: 'running jobs continue; new ones start when the host is below its thresholds again (JOB_QUEUE_CPU_THRESHOLD, JOB_QUEUE_MEMORY_THRESHOLD)',
      });
    }
  }
  if (cpuHigh) {
    issues.push({
      check: 'host',
      severity: 'warning',
      message: `host CPU at ${Math.round(f.host.cpuPercent)}% (threshold ${f.host.cpuThreshold}%)`,
      action: 'new jobs wait until the load drops; lower concurrency or raise JOB_QUEUE_CPU_THRESHOLD',
    });
  }
  if (memHigh) {
    issues.push({
      check: 'host',
      severity: 'warning',
      message: `host memory at ${Math.round(f.host.memoryPercent)}% (threshold ${f.host.memoryThreshold}%)`,
      action: 'close other programs or lower JOB_MAX_MEMORY_MB for jobs',
    });
  }

  if (f.disk) {
    const low = f.disk.freeBytes !== null && f.disk.freeBytes < f.disk.minFreeBytes;
    checks.disk = { ok: !low, path: f.disk.path, freeBytes: f.disk.freeBytes, minFreeBytes: f.disk.minFreeBytes };
    if (low) {
      issues.push({
        check: 'disk',
        severity: f.disk.freeBytes! < f.disk.minFreeBytes / 10 ? 'critical' : 'warning',
        message: `only ${mb(f.disk.freeBytes!)} free on the disk holding ${f.disk.path} (minimum ${mb(f.disk.minFreeBytes)})`,
        action: 'free disk space, lower the retention (settings "retention") and run `jobhandle maintenance`, or move the data directory',
      });
    }
  }

  if (f.integrity) {
    checks.integrity = { ok: f.integrity.ok, detail: f.integrity.detail, checkedAt: f.integrity.checkedAt };
    if (!f.integrity.ok) {
      issues.push({
        check: 'integrity',
        severity: 'critical',
        message: `the database failed its integrity check: ${f.integrity.detail.slice(0, 300)}`,
        action: 'stop the engine and restore the latest backup from the "backups" folder next to the database',
      });
    }
  }

  if (f.failureRate) {
    const r = f.failureRate;
    const spike = isFailureSpike(r);
    checks.failureRate = { ok: !spike, ...r };
    if (spike) {
      const pct = (n: number, d: number) => (d ? `${Math.round((n / d) * 100)}%` : 'none');
      issues.push({
        check: 'failureRate',
        severity: 'warning',
        message:
          `failure spike: ${r.recent.failed} of ${r.recent.finished} jobs failed in the last ${r.recentMinutes} min ` +
          `(${pct(r.recent.failed, r.recent.finished)}; previous ${r.baselineHours} h: ${pct(r.baseline.failed, r.baseline.finished)})`,
        action: 'run `jobhandle failures --from <15 min ago>` to see which errors, then fix the failing service or pause its queue',
      });
    }
  }

  const status = issues.some((i) => i.severity === 'critical') ? 'unhealthy' : issues.length ? 'degraded' : 'healthy';
  return { status, issues, checks, checkedAt: f.now };
}
