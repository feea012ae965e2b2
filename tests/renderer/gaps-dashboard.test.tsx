// @vitest-environment jsdom
/**
 * The dashboard's new interactions: bulk delete and change priority behind a confirmation naming
 * the count; settings changes and "Test connection"; pushed events (system:sample, health:changed,
 * job:log) feeding the store instead of polling; CSV exports saved through IPC.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EventBatch, SettingsView } from '../../src/shared/contract';
import type { SystemSample } from '../../src/shared/events';
import type { HealthReport, WorkerInfo } from '../../src/shared/model';
import { applyBatch, createAppStore } from '../../src/renderer/src/store/app-store';
import { startLive } from '../../src/renderer/src/store/live';
import { JobsScreen } from '../../src/renderer/src/features/jobs/jobs-screen';
import { SettingsScreen } from '../../src/renderer/src/features/settings/settings-screen';
import { AnalyticsScreen } from '../../src/renderer/src/features/analytics/analytics-screen';
import { QueueTable } from '../../src/renderer/src/features/overview/queue-table';
import { fakeApi, makeJob, makeStats, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class {} }));

beforeAll(() => {
  for (const [name, value] of [['clientHeight', 600], ['clientWidth', 1200], ['offsetHeight', 600], ['offsetWidth', 1200]] as const) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  }
});
afterEach(cleanup);

const view: SettingsView = {
  engine: { backend: 'auto', dbPath: '/d/jobhandle.db', redis: { url: 'redis://u:***@h:6379', cluster: null, prefix: 'jobhandle' }, thresholds: { cpuPercent: 80, memoryPercent: 85 }, jobs: { maxRetries: 3, defaultTimeoutSeconds: 60 }, retention: { completed: 90, failed: 365 }, concurrency: {} },
  settingsPath: '/d/settings.json',
  file: {},
  desktop: null,
  desktopSettingsPath: null,
  liveFields: ['thresholds'],
};

const worker: WorkerInfo = { name: 'worker-1', pid: 9, state: 'busy', concurrency: 2, currentJobs: ['a'], jobsDone: 1, jobsFailed: 0, startedAt: NOW, cpuPercent: 40, memoryMb: 120 };

function sample(over: Partial<SystemSample> = {}): SystemSample {
  return {
    at: NOW,
    host: { cpuPercent: 42.25, memoryPercent: 61 },
    counts: { pending: 5, scheduled: 1, running: 2, retrying: 0, waiting: 1, completed: 10, failed: 3, cancelled: 0 },
    queues: { default: { pending: 5, running: 2 } },
    countsAt: NOW,
    running: 2,
    pending: 7,
    workers: { total: 1, busy: 1, cpuPercent: 40, memoryMb: 120, list: [worker] },
    throughputPerMinute: 12,
    pausedQueues: ['slow'],
    backpressure: { engaged: false, reason: null },
    ...over,
  };
}

function jobsOf(n: number, status: 'completed' | 'pending' = 'completed') {
  return Array.from({ length: n }, (_, i) => makeJob({ id: `job-${i}`, status }));
}

describe('Jobs bulk delete and change priority', () => {
  it('deletes the selected jobs after a confirmation naming how many, and reports the ones left', async () => {
    const bulkDelete = vi.fn(async ({ ids }: { ids: string[] }) => ({ done: ids.slice(0, 1), failed: [{ id: ids[1]!, error: { name: 'AppError' as const, code: 'CONFLICT' as const, message: 'job job-1 is running' } }] }));
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobsOf(2), nextCursor: null }), 'jobs:bulkDelete': bulkDelete }));
    await screen.findByText('job-0');
    fireEvent.click(screen.getByLabelText('Select all 2 loaded jobs'));
    fireEvent.click(screen.getByRole('button', { name: 'Delete selected…' }));
    const dialog = screen.getByRole('dialog', { name: 'Delete 2 jobs?' });
    expect(within(dialog).getByText(/deleted for good/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete 2 jobs' }));
    await waitFor(() => expect(bulkDelete).toHaveBeenCalledWith({ ids: ['job-0', 'job-1'] }));
    await waitFor(() => expect(store.getState().ui.notices.map((n) => n.text)).toEqual(['Deleted 1 job.', '1 job could not be deleted; for example job-1: Not possible in the current state: job job-1 is running (CONFLICT)']));
  });

  it('changes the priority of the selected jobs to the one chosen in the confirmation', async () => {
    const setPriority = vi.fn(async ({ ids }: { ids: string[] }) => ({ done: ids, failed: [] }));
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobsOf(3, 'pending'), nextCursor: null }), 'jobs:bulkSetPriority': setPriority }));
    await screen.findByText('job-0');
    fireEvent.click(screen.getByLabelText('Select all 3 loaded jobs'));
    fireEvent.click(screen.getByRole('button', { name: 'Change priority…' }));
    const dialog = screen.getByRole('dialog', { name: 'Change priority of 3 jobs?' });
    fireEvent.change(within(dialog).getByLabelText(/New priority/), { target: { value: 'URGENT' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Change priority of 3 jobs' }));
    await waitFor(() => expect(setPriority).toHaveBeenCalledWith({ ids: ['job-0', 'job-1', 'job-2'], priority: 'URGENT' }));
    await waitFor(() => expect(store.getState().ui.notices.map((n) => n.text)).toEqual(['Changed the priority of 3 jobs to URGENT.']));
  });
});

describe('Settings screen', () => {
  it('saves thresholds, says what applies now, and shows a validation error naming the field', async () => {
    const update = vi
      .fn()
      .mockResolvedValueOnce({ settings: view, applied: ['thresholds.cpuPercent', 'thresholds.memoryPercent'], restartRequired: [] })
      .mockRejectedValueOnce(Object.assign(new Error('invalid settings: engine.thresholds.cpuPercent: Too big: expected number to be <=100'), { name: 'AppError', code: 'VALIDATION' }));
    const { store } = renderWithStore(<SettingsScreen />, fakeApi({ 'settings:get': async () => view, 'settings:update': update, 'governor:state': () => new Promise(() => undefined) }));
    const form = await screen.findByRole('form', { name: 'Thresholds and defaults' });
    fireEvent.change(within(form).getByLabelText('Hold new jobs above host CPU'), { target: { value: '90' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save thresholds and defaults' }));
    await waitFor(() => expect(update).toHaveBeenCalledTimes(1));
    expect(update.mock.calls[0]![0].engine.thresholds).toEqual({ cpuPercent: 90, memoryPercent: 85 });
    await waitFor(() => expect(store.getState().ui.notices.at(-1)?.text).toBe('Settings saved. Applied now: thresholds.cpuPercent, thresholds.memoryPercent.'));
    fireEvent.change(within(form).getByLabelText('Hold new jobs above host CPU'), { target: { value: '900' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save thresholds and defaults' }));
    expect(await within(form).findByText(/engine\.thresholds\.cpuPercent/)).toBeTruthy();
    expect(screen.getByText(/this engine runs headless/)).toBeTruthy();
  });

  it('tests a Redis connection and reports what is wrong in plain words', async () => {
    const test = vi.fn(async () => ({ ok: false, latencyMs: null, message: 'Cannot use Redis: 127.0.0.1:1 refused the connection.', details: {} }));
    renderWithStore(<SettingsScreen />, fakeApi({ 'settings:get': async () => view, 'backend:testConnection': test, 'governor:state': () => new Promise(() => undefined) }));
    const form = await screen.findByRole('form', { name: 'Backend settings' });
    fireEvent.click(within(form).getByRole('radio', { name: /Redis/ }));
    fireEvent.change(within(form).getByLabelText(/Redis URL/), { target: { value: 'redis://127.0.0.1:1' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Test connection' }));
    expect((await within(form).findByRole('status')).textContent).toBe('Does not work: Cannot use Redis: 127.0.0.1:1 refused the connection.');
    expect(test).toHaveBeenCalledWith({ backend: 'redis', url: 'redis://127.0.0.1:1' });
  });

  it('shows the desktop settings inside the app and saves them through settings:update', async () => {
    const desktop = { closeToTray: true, preventSleepWhileRunning: true, notifications: { enabled: true, onCompleted: true, onFailed: true, quietWhenFocused: true }, apiServer: { enabled: false, port: 7878 } };
    const update = vi.fn(async () => ({ settings: view, applied: ['desktop.closeToTray'], restartRequired: [] }));
    renderWithStore(<SettingsScreen />, fakeApi({ 'settings:get': async () => ({ ...view, desktop, desktopSettingsPath: '/u/desktop-settings.json' }), 'settings:update': update, 'governor:state': () => new Promise(() => undefined) }));
    const form = await screen.findByRole('form', { name: 'Desktop app settings' });
    fireEvent.click(within(form).getByLabelText('Keep running in the tray when the window is closed'));
    fireEvent.click(within(form).getByRole('button', { name: 'Save desktop settings' }));
    await waitFor(() => expect(update).toHaveBeenCalledTimes(1));
    expect((update.mock.calls[0] as unknown as [{ desktop: Record<string, unknown> }])[0].desktop).toMatchObject({ closeToTray: false, apiServer: { enabled: false, port: 7878 } });
  });
});

describe('pushed events instead of polling', () => {
  it('system:sample updates stats, per-queue counts, chart samples, workers and paused queues; health:changed the health', () => {
    const store = createAppStore(fakeApi({}), { now: () => NOW });
    store.setState((s) => ({ system: { ...s.system, stats: makeStats() } }));
    const report: HealthReport = { status: 'degraded', issues: [{ check: 'backlog', severity: 'warning', message: 'backlog', action: 'add workers' }], checks: {}, checkedAt: NOW };
    const batch: EventBatch = [
      { event: 'system:sample', payload: sample() },
      { event: 'health:changed', payload: { report, previous: 'healthy' } },
    ];
    applyBatch(store, batch, NOW);
    const { system, workers } = store.getState();
    expect(system.stats).toMatchObject({ running_jobs: 2, pending_jobs: 7, cpu_usage_percent: 42.3, throughput_per_minute: 12, busy_workers: 1 });
    expect(system.queueCounts).toEqual({ default: { pending: 5, running: 2 } });
    expect(system.samples.hostCpu.at(-1)).toBe(42.3);
    expect(system.samples.workersMemoryMb.at(-1)).toBe(120);
    expect(system.pausedQueues).toEqual(['slow']);
    expect(system.health).toBe(report);
    expect(workers.list).toEqual([worker]);
    renderWithStore(<QueueTable />, fakeApi({}), { store });
    const row = screen.getByRole('row', { name: /^default/ });
    expect(within(row).getAllByRole('cell').map((c) => c.textContent).slice(0, 3)).toEqual(['5', '0', '2']);
  });

  it('keeps job:log lines of the watched job only', () => {
    const store = createAppStore(fakeApi({}), { now: () => NOW });
    store.getState().jobs.watchLog('a');
    applyBatch(store, [
      { event: 'job:log', payload: { id: 'a', ts: NOW, stream: 'out', line: 'one' } },
      { event: 'job:log', payload: { id: 'b', ts: NOW, stream: 'out', line: 'other' } },
      { event: 'job:log', payload: { id: 'a', ts: NOW + 1, stream: 'err', line: 'two' } },
    ], NOW);
    expect(store.getState().jobs.liveLog.lines.map((l) => l.line)).toEqual(['one', 'two']);
  });

  it('fetches once at start and again after a reconnect, with no timers', async () => {
    vi.useFakeTimers();
    try {
      const stats = vi.fn(async () => makeStats());
      const api = fakeApi({ 'system:info': async () => ({ version: '1', backend: 'sqlite', location: 'x', engineId: 'e', engineRunning: true, dataDir: '/d', jobTypes: [] }), 'stats:get': stats, 'workers:list': async () => [], 'health:get': async () => ({ status: 'healthy', issues: [], checks: {}, checkedAt: NOW }), 'governor:state': () => new Promise(() => undefined), 'jobs:list': async () => ({ jobs: [], nextCursor: null }) });
      const store = createAppStore(api, { now: () => NOW });
      let onOpen: (() => void) | undefined;
      const stop = startLive(store, { subscribe: (_l, options) => ((onOpen = options?.onOpen), () => undefined) });
      await vi.waitFor(() => expect(stats).toHaveBeenCalledTimes(1));
      await vi.advanceTimersByTimeAsync(30_000);
      expect(stats).toHaveBeenCalledTimes(1); // no polling
      onOpen!(); // the first open
      onOpen!(); // a reconnect
      await vi.waitFor(() => expect(stats).toHaveBeenCalledTimes(2));
      stop();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('CSV export in the desktop app', () => {
  it('offers "Save" buttons that go through the client (exports:save over IPC)', async () => {
    const save = vi.fn(async () => true);
    const { store } = renderWithStore(<AnalyticsScreen />, fakeApi({ 'analytics:report': () => new Promise(() => undefined), 'analytics:failures': () => new Promise(() => undefined), 'metrics:history': () => new Promise(() => undefined) }), { downloadCsv: save, transport: 'ipc' });
    fireEvent.click((await screen.findAllByRole('button', { name: /^Save / }))[0]!);
    await waitFor(() => expect(save).toHaveBeenCalledTimes(1));
    await waitFor(() => expect(store.getState().ui.notices.at(-1)?.text).toMatch(/saved\.$/));
  });
});
