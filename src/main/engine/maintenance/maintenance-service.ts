/**
 * Maintenance: per-status retention of finished jobs, metrics roll-up, and the store's own upkeep
 * (SQLite: WAL checkpoint, VACUUM when worthwhile, rotating online backups); plus the daily
 * maintenance job, submitted by the engine itself so that it shows in the job list like any job
 * and needs no scheduler: on start (after `firstCheckSeconds`) and every hour the engine checks
 * whether a maintenance job was created in the last 24 h, and submits one if not.
 */
import { JobListQuerySchema, isTerminalStatus, type JobStatus } from '../../../shared/model';
import type { CompactionResult } from '../backend/analytics-repository';
import type { QueueBackend } from '../backend/queue-backend';
import type { MaintenanceOptions } from '../handlers/engine-handlers';

const DAY_MS = 86_400_000;

export interface RetentionDays {
  completed: number;
  failed: number;
  cancelled: number;
}

/**
 * Delete finished jobs older than their status's retention. Input: the store, days per status,
 * now. Output: the count removed per status. Errors: AppError BACKEND_UNAVAILABLE.
 */
export async function applyRetention(backend: Pick<QueueBackend, 'deleteFinishedBefore'>, retention: RetentionDays, now: number): Promise<RetentionDays> {
  const removed: RetentionDays = { completed: 0, failed: 0, cancelled: 0 };
  for (const status of ['completed', 'failed', 'cancelled'] as const) {
    removed[status] = await backend.deleteFinishedBefore(now - retention[status] * DAY_MS, [status as JobStatus]);
  }
  return removed;
}

export interface MaintenanceDeps {
  backend: QueueBackend;
  retention: RetentionDays;
  now: () => number;
  /** Roll up the metrics history (the engine's MetricsRecorder or repository). */
  compactMetrics?: () => Promise<CompactionResult>;
}

/** The maintenance job's parameters (retention, checkpoint, vacuumFreeRatio, backup, keepBackups). */
export type MaintenanceRunOptions = MaintenanceOptions;

export interface MaintenanceResult {
  retention: RetentionDays | null;
  metrics: CompactionResult | null;
  store: Record<string, unknown> | null;
}

/**
 * Run the maintenance steps: retention, metrics roll-up, store upkeep (checkpoint, vacuum, backup
 * as `options` say). `log` receives one line per step. Output: what each step did. Errors: the
 * first failing step's AppError (BACKEND_UNAVAILABLE, STORAGE_FULL).
 */
export async function runMaintenance(deps: MaintenanceDeps, options: MaintenanceRunOptions, log: (line: string) => void): Promise<MaintenanceResult> {
  const result: MaintenanceResult = { retention: null, metrics: null, store: null };
  if (options.retention !== false) {
    result.retention = await applyRetention(deps.backend, deps.retention, deps.now());
    const r = result.retention;
    log(
      `retention: removed ${r.completed} completed (> ${deps.retention.completed} d), ${r.failed} failed (> ${deps.retention.failed} d), ` +
        `${r.cancelled} cancelled (> ${deps.retention.cancelled} d) jobs`,
    );
  }
  if (deps.compactMetrics) {
    result.metrics = await deps.compactMetrics();
    log(`metrics history: ${result.metrics.minuteRows} minute and ${result.metrics.hourRows} hour rows written, ${result.metrics.deleted} rows removed`);
  }
  if (deps.backend.maintenance) {
    result.store = await deps.backend.maintenance(options, log);
  } else {
    log(`the ${deps.backend.kind} store needs no checkpoint, vacuum or backup here`);
  }
  return result;
}

export interface DailyMaintenanceDeps {
  backend: Pick<QueueBackend, 'listJobs'>;
  now: number;
  /** Submit the maintenance job (through the manager, so that it is validated and dispatched). */
  submit: () => Promise<unknown>;
}

/**
 * Submit a maintenance job unless one was created in the last 24 h or one is still waiting or
 * running. Output: true when a job was submitted. Errors: store errors.
 */
export async function ensureDailyMaintenance(deps: DailyMaintenanceDeps): Promise<boolean> {
  const page = await deps.backend.listJobs(JobListQuerySchema.parse({ type: 'maintenance', sort: 'createdAt', order: 'desc', limit: 1 }));
  const last = page.jobs[0];
  if (last && (!isTerminalStatus(last.status) || deps.now - last.createdAt < DAY_MS)) return false;
  await deps.submit();
  return true;
}
