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

  const status = issues.some((i) => i.severity === 'critical') ? 'unhealthy' : issues.length ? 'degraded' : 'healthy';
  return { status, issues, checks, checkedAt: f.now };
}
