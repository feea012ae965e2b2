/**
 * Helpers of the renderer's component tests: a fake ContractApi (only the methods a test gives;
 * any other call rejects, naming the method), job and schedule fixtures, and a render function
 * that wires the real store and providers around a screen.
 */
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { ContractApi, CsvExportName, MethodName } from '../../src/shared/contract';
import { AppError } from '../../src/shared/errors';
import type { JobRecord, QueueStats } from '../../src/shared/model';
import type { ScheduleView } from '../../src/shared/schedule-types';
import { ClientProvider } from '../../src/renderer/src/api/api-context';
import type { DashboardClient } from '../../src/renderer/src/api/client';
import { createAppStore, type AppStore } from '../../src/renderer/src/store/app-store';
import { StoreProvider } from '../../src/renderer/src/store/store-context';

export const NOW = Date.UTC(2025, 0, 31, 9, 0, 0);

/** A ContractApi whose given methods are the fakes; the others reject with INTERNAL. */
export function fakeApi(methods: Partial<ContractApi>): ContractApi {
  return new Proxy(methods as ContractApi, {
    get(target, name: string) {
      const fn = (target as Record<string, unknown>)[name];
      if (typeof fn === 'function') return fn;
      return () => Promise.reject(new AppError('INTERNAL', `fake api: ${name as MethodName} is not part of this test`));
    },
  });
}

/** A job record with sensible defaults. */
export function makeJob(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-1',
    type: 'command',
    queue: 'default',
    parameters: { argv: ['echo', 'hi'] },
    priority: 'NORMAL',
    status: 'pending',
    progress: 0,
    progressMessage: null,
    attempts: 0,
    maxRetries: 3,
    retryDelaySeconds: 5,
    timeoutSeconds: 3600,
    runAt: NOW,
    createdAt: NOW,
    startedAt: null,
    finishedAt: null,
    updatedAt: NOW,
    worker: null,
    result: null,
    error: null,
    metrics: {},
    limits: {},
    dependencies: [],
    scheduleId: null,
    cancelRequested: false,
    ...overrides,
  };
}

export function makeStats(overrides: Partial<QueueStats> = {}): QueueStats {
  return {
    backend: 'sqlite',
    counts: { pending: 2, scheduled: 0, running: 1, completed: 10, failed: 2, cancelled: 0, retrying: 0, waiting: 0 },
    total: 15,
    running_jobs: 1,
    pending_jobs: 2,
    cpu_usage_percent: 12,
    memory_usage_percent: 40,
    cache_size: 0,
    workers: 2,
    busy_workers: 1,
    throughput_per_minute: 4,
    pausedQueues: [],
    oldestPendingAgeMs: 1500,
    backpressure: null,
    ...overrides,
  };
}

export function makeSchedule(overrides: Partial<ScheduleView> = {}): ScheduleView {
  return {
    id: 'sch-1',
    definition: { name: 'nightly', type: 'command', parameters: {}, cronExpression: '0 2 * * *', timezone: 'Europe/London', misfirePolicy: 'run_once', misfireThresholdSeconds: 60, maxCatchUp: 10, overlapPolicy: 'skip' },
    state: { nextFireAt: NOW + 3600_000, lastFireAt: null, lastSlotAt: null, runs: 0, skipped: 0, paused: false, anchorAt: NOW, endedReason: null },
    createdAt: NOW,
    updatedAt: NOW,
    nextFire: { at: NOW + 3600_000, utc: '2025-01-31T10:00:00.000Z', local: '2025-01-31T10:00:00.000+00:00', zone: 'Europe/London' },
    ...overrides,
  };
}

export interface Rendered extends RenderResult {
  store: AppStore;
  client: DashboardClient;
}

/** Render `ui` with a real store over `api`, inside the client and store providers. */
export function renderWithStore(
  ui: ReactElement,
  api: ContractApi,
  options: { downloadCsv?: (name: CsvExportName, query: Record<string, unknown>) => Promise<boolean | void>; store?: AppStore; transport?: 'ipc' | 'http' } = {},
): Rendered {
  const store = options.store ?? createAppStore(api, { now: () => NOW });
  const client: DashboardClient = {
    transport: options.transport ?? 'http',
    api,
    subscribe: () => () => undefined,
    ...(options.downloadCsv ? { downloadCsv: options.downloadCsv } : {}),
  };
  const result = render(
    <ClientProvider client={client}>
      <StoreProvider store={store}>{ui}</StoreProvider>
    </ClientProvider>,
  );
  return { ...result, store, client };
}
