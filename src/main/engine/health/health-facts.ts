/**
 * Gathers the facts evaluateHealth() judges: store reachability, workers, backlog, jobs past their
 * timeout, host figures, free disk space of the database's folder (fs.statfs), the store's
 * integrity (cached: PRAGMA quick_check reads the whole file) and the recent failure rate.
 */
import { statfs } from 'node:fs/promises';
import type { AnalyticsRepository } from '../backend/analytics-repository';
import type { QueueBackend } from '../backend/queue-backend';
import type { HealthFacts } from './health-check';

export const FAILURE_RECENT_MINUTES = 15;
export const FAILURE_BASELINE_HOURS = 6;

/** Caches the integrity check for `ttlMs` (default 1 h): it can take seconds on a big file. */
export class IntegrityCache {
  private last: { ok: boolean; detail: string; checkedAt: number } | null = null;

  constructor(private readonly ttlMs = 3_600_000) {}

  /** The cached result, or a fresh check when older than the TTL. Never throws (a failure is "not ok"). */
  async get(repo: AnalyticsRepository, now: number): Promise<{ ok: boolean; detail: string; checkedAt: number }> {
    if (this.last && now - this.last.checkedAt < this.ttlMs) return this.last;
    try {
      this.last = { ...(await repo.integrityCheck()), checkedAt: now };
    } catch (err) {
      this.last = { ok: false, detail: `the check could not run: ${(err as Error).message}`, checkedAt: now };
    }
    return this.last;
  }
}

/** Free bytes available to this user on the file system holding `dir`; null when unknown. */
export async function freeDiskBytes(dir: string): Promise<number | null> {
  try {
    const s = await statfs(dir);
    return Number(s.bavail) * Number(s.bsize);
  } catch {
    return null;
  }
}

export interface HealthFactSources {
  now: number;
  backend: QueueBackend;
  backendWarning: string | null;
  repository: AnalyticsRepository | null;
  /** Live workers and the configured minimum; null for a client-only manager. */
  workers: { running: number; minimum: number } | null;
  host: HealthFacts['host'];
  minFreeDiskBytes: number;
  integrity: IntegrityCache;
  stalledAfterMs?: number;
}

/** Collect the facts. Store errors make the store count as unreachable; never throws. */
export async function gatherHealthFacts(s: HealthFactSources): Promise<HealthFacts> {
  const { now, backend } = s;
  const reachable = await backend.ping().catch(() => false);
  const facts: HealthFacts = {
    now,
    backend: { kind: backend.kind, location: backend.location, reachable, warning: s.backendWarning },
    workers: s.workers,
    backlog: { pending: 0, oldestPendingAgeMs: null },
    overdueJobs: [],
    host: s.host,
    stalledAfterMs: s.stalledAfterMs ?? 10 * 60_000,
  };
  if (s.repository?.storageDir) {
    facts.disk = { path: s.repository.storageDir, freeBytes: await freeDiskBytes(s.repository.storageDir), minFreeBytes: s.minFreeDiskBytes };
  }
  if (!reachable) return facts;
  try {
    const counts = await backend.countByStatus();
    facts.backlog = {
      pending: counts.counts.pending,
      oldestPendingAgeMs: counts.oldestPendingCreatedAt === null ? null : Math.max(0, now - counts.oldestPendingCreatedAt),
    };
    const overdue = await backend.listOverdueRunning(now, 20);
    facts.overdueJobs = overdue.map((j) => ({ id: j.id, type: j.type, runningForMs: now - (j.startedAt ?? now), timeoutSeconds: j.timeoutSeconds }));
    const repo = backend.analytics;
    if (repo) {
      const recentFrom = now - FAILURE_RECENT_MINUTES * 60_000;
      const [recent, baseline] = await Promise.all([
        repo.outcomeCounts(recentFrom, now + 1),
        repo.outcomeCounts(recentFrom - FAILURE_BASELINE_HOURS * 3_600_000, recentFrom),
      ]);
      facts.failureRate = {
        recentMinutes: FAILURE_RECENT_MINUTES,
        baselineHours: FAILURE_BASELINE_HOURS,
        recent: { failed: recent.failed, finished: recent.failed + recent.completed },
        baseline: { failed: baseline.failed, finished: baseline.failed + baseline.completed },
      };
      facts.integrity = await s.integrity.get(repo, now);
    }
  } catch {
    facts.backend.reachable = false;
  }
  return facts;
}
