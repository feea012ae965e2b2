/**
 * The main-side implementation of the contract: one function per method, over the JobManager.
 * Transports (IPC, HTTP) call `invokeMethod`, which validates the input with the method's schema
 * before any service runs and answers in the `{ok, result} | {ok: false, error}` envelope.
 */
import { AppError, toAppError, validationError } from '../../shared/errors';
import {
  CONTRACT,
  CSV_EXPORTS,
  isMethodName,
  type BulkResult,
  type ContractHandlers,
  type Envelope,
  type MethodName,
} from '../../shared/contract';
import type { JobManager } from '../engine/manager';
import { governorView, listRatePools, setAutoScaling, setRatePool } from '../engine/governor/resource-service';
import { reportRequestOf } from './csv-exports';
import type { JobRecord, JobSubmission } from '../../shared/model';
import { bulkDeleteJobs, bulkSetPriority } from './bulk-jobs';
import { getSettings, updateSettings, type DesktopSettingsPort } from './settings-service';
import { testBackendConnection } from '../engine/backend/connection-test';

export interface ContractContext {
  manager: JobManager;
  version: string;
  /** The desktop app's settings (settings:get/update route desktop fields here); absent headless. */
  desktopSettings?: DesktopSettingsPort;
  /** The desktop app's "save CSV as…" (exports:save); absent headless (the method answers NOT_FOUND). */
  saveExport?: (name: string, input: Record<string, unknown>) => Promise<{ saved: boolean; path: string | null; rows: number; bytes: number }>;
}

async function bulk(ids: string[], action: (id: string) => Promise<JobRecord>): Promise<BulkResult> {
  const result: BulkResult = { done: [], failed: [] };
  for (const id of ids) {
    try {
      await action(id);
      result.done.push(id);
    } catch (err) {
      result.failed.push({ id, error: toAppError(err).toWire() });
    }
  }
  return result;
}

/** Every contract method bound to the manager. */
export function createContractHandlers({ manager, version, desktopSettings, saveExport }: ContractContext): ContractHandlers {
  return {
    /* ---- settings, connection test, bulk delete/priority, save-as export (dashboard gaps) ---- */
    'settings:get': async () => getSettings(manager, desktopSettings),
    'settings:update': async (input) => updateSettings(manager, input, desktopSettings),
    'backend:testConnection': (input) => testBackendConnection(input, manager.config),
    'jobs:bulkDelete': (input) => bulkDeleteJobs(manager.backend, input.ids),
    'jobs:bulkSetPriority': (input) => bulkSetPriority(manager.backend, input.ids, input.priority, manager.clock.now()),
    'exports:save': async (input) => {
      if (!saveExport) {
        throw new AppError('NOT_FOUND', `exports:save is only available in the desktop app; download ${CSV_EXPORTS[input.name].path} instead`);
      }
      return saveExport(input.name, input.input);
    },
    'jobs:submit': (input) => manager.submitJob(input as JobSubmission),
    'jobs:submitBulk': (input) => manager.submitJobs(input.jobs as JobSubmission[]),
    'jobs:list': (input) => manager.listJobs(input as never),
    'jobs:get': (input) => manager.requireJob(input.id),
    'jobs:logs': (input) => manager.getJobLogs(input.id, input.afterSeq, input.limit),
    'jobs:attempts': (input) => manager.getJobAttempts(input.id),
    'jobs:cancel': (input) => manager.cancelJob(input.id, input.reason),
    'jobs:restart': (input) => manager.restartJob(input.id),
    'jobs:bulkCancel': (input) => bulk(input.ids, (id) => manager.cancelJob(id)),
    'jobs:bulkRestart': (input) => bulk(input.ids, (id) => manager.restartJob(id)),
    'extraction:submit': async (input) => {
      const job = await manager.submitJob({
        type: 'extraction',
        parameters: input.parameters,
        ...(input.priority ? { priority: input.priority } : {}),
        ...(input.schedule ? { schedule: input.schedule } : {}),
      });
      return { job_id: job.id, status: job.status };
    },
    'queues:pause': async ({ queue }) => {
      await manager.pauseQueue(queue);
      return { queue, paused: true as const };
    },
    'queues:resume': async ({ queue }) => {
      await manager.resumeQueue(queue);
      return { queue, paused: false as const };
    },
    'stats:get': () => manager.getQueueStats(),
    'health:get': () => manager.performHealthCheck(),
    'workers:list': async () => manager.listWorkers(),
    'maintenance:cleanup': async ({ daysOld }) => ({ removed: await manager.cleanupOldJobs(daysOld) }),
    // Resource governance (issue 4)
    'workers:scale': async ({ count }) => ({ target: manager.scaleWorkers(count), workers: manager.listWorkers() }),
    'workers:autoscale': async (input) => setAutoScaling(manager, input),
    'pools:list': () => listRatePools(manager),
    'pools:set': ({ name, perMinute, burst }) => setRatePool(manager, name, perMinute, burst),
    'governor:state': () => governorView(manager),
    'system:info': async () => ({
      version,
      backend: manager.backend.kind,
      location: manager.backend.location,
      engineId: manager.engineId,
      engineRunning: manager.isEngine,
      dataDir: manager.config.dataDir,
      jobTypes: manager.registry.types(),
    }),
    // Scheduling and dependencies (issue 3)
    'schedules:create': (input) => manager.createSchedule(input),
    'schedules:update': (input) => manager.updateSchedule(input.id, input.patch),
    'schedules:pause': (input) => manager.pauseSchedule(input.id),
    'schedules:resume': (input) => manager.resumeSchedule(input.id),
    'schedules:delete': (input) => manager.deleteSchedule(input.id),
    'schedules:list': (input) => manager.listSchedules(input),
    'schedules:get': (input) => manager.getSchedule(input.id),
    'schedules:preview': (input) => manager.previewSchedule('id' in input ? input.id : input.definition, input.count),
    'schedules:runNow': (input) => manager.runScheduleNow(input.id),
    'jobs:submitFlow': (input) => manager.submitFlow(input),
    'jobs:dependencies': (input) => manager.getJobDependencies(input.id),
    /* ---- analytics, metrics history, maintenance (issue 6) ---- */
    'analytics:report': (input) => manager.getAnalyticsReport(reportRequestOf(input)),
    'analytics:failures': (input) => manager.getFailureAnalysis(reportRequestOf(input)),
    'metrics:history': (input) => {
      const { from, to } = reportRequestOf(input);
      return manager.getMetricsHistory({ ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}), ...(input.resolution ? { resolution: input.resolution } : {}) });
    },
    'maintenance:run': (input) => manager.runMaintenance(input),
  };
}

/**
 * Validate `rawInput` against the method's schema, run the handler, wrap the outcome. Never
 * throws; an unknown method or a bad input is an error envelope naming the method or field.
 */
export async function invokeMethod(handlers: ContractHandlers, name: unknown, rawInput: unknown): Promise<Envelope<unknown>> {
  if (!isMethodName(name)) {
    return { ok: false, error: new AppError('NOT_FOUND', `unknown method ${JSON.stringify(name)}`).toWire() };
  }
  const spec = CONTRACT[name];
  const parsed = spec.input.safeParse(rawInput ?? {});
  if (!parsed.success) return { ok: false, error: validationError(parsed.error, 'input').toWire() };
  try {
    const handler = handlers[name] as (input: unknown) => Promise<unknown>;
    return { ok: true, result: await handler(parsed.data) };
  } catch (err) {
    return { ok: false, error: toAppError(err).toWire() };
  }
}

export type { MethodName };
