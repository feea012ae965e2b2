// @vitest-environment jsdom
/**
 * Overview (health issues with actions, counts by status linking to the jobs table, running jobs
 * with live progress, empty state), Workers (backpressure and why, manual scaling, auto-scaling
 * bounds) and Settings (theme following the system, read-only engine settings said plainly).
 */
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GovernorView, SettingsView } from '../../src/shared/contract';
import { applyBatch } from '../../src/renderer/src/store/app-store';
import { OverviewScreen } from '../../src/renderer/src/features/overview/overview-screen';
import { SettingsScreen } from '../../src/renderer/src/features/settings/settings-screen';
import { WorkersScreen } from '../../src/renderer/src/features/workers/workers-screen';
import { fakeApi, makeJob, makeStats, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class { setData(): void {} setSize(): void {} destroy(): void {} } }));
afterEach(cleanup);

const settingsView: SettingsView = {
  engine: { backend: 'auto', dbPath: '/d/jobhandle.db', redis: { url: null, cluster: null, prefix: 'jobhandle' }, thresholds: { cpuPercent: 80, memoryPercent: 85 }, jobs: { maxRetries: 3, defaultTimeoutSeconds: 60 }, retention: { completed: 90, failed: 365 }, concurrency: {} },
  settingsPath: '/d/settings.json',
  file: {},
  desktop: null,
  desktopSettingsPath: null,
  liveFields: ['thresholds'],
};

const governor: GovernorView = {
  backpressure: { engaged: true, reason: 'host CPU 95% is above 80%', since: NOW - 60_000, cpuPercent: 95, memoryPercent: 40, cpuThreshold: 80, memoryThreshold: 90 },
  concurrency: { running: 2, limit: 4, free: 2, saturatedQueues: [], saturatedTypes: [], perQueue: {}, perType: {} },
  pools: [],
  typePools: {},
  throttled: {},
  cpuPolicy: 'throttle',
  autoScaling: { enabled: true, minWorkers: 1, maxWorkers: 4, intervalMs: 5000, decisions: [], steps: [] },
  monitoring: true,
};

describe('OverviewScreen', () => {
  it('shows health issues with what to do, counts by status and running jobs with live progress', async () => {
    const running = makeJob({ id: 'run-1', status: 'running', startedAt: NOW, progress: 10 });
    const { store } = renderWithStore(
      <OverviewScreen />,
      fakeApi({ 'jobs:list': async () => ({ jobs: [running], nextCursor: null }) }),
    );
    act(() => {
      store.setState((s) => ({
        system: {
          ...s.system,
          stats: makeStats(),
          health: { status: 'degraded', issues: [{ check: 'disk', severity: 'warning', message: 'disk 92% full', action: 'free some space' }], checks: {}, checkedAt: NOW },
        },
      }));
    });
    expect(screen.getByRole('heading', { name: 'Health: degraded' })).toBeTruthy();
    expect(screen.getByText('disk 92% full')).toBeTruthy();
    expect(screen.getByText('What to do: free some space')).toBeTruthy();
    expect(screen.getByText('4 jobs / min')).toBeTruthy();
    expect(screen.getByText('16.7 %')).toBeTruthy(); // 2 failed of 12 finished
    const progressName = { name: 'Progress of command job run-1' };
    await screen.findByRole('progressbar', progressName);
    act(() => applyBatch(store, [{ event: 'job:progress', payload: { id: 'run-1', progress: 80, message: null } }], NOW));
    // Query again: a (throttled) refetch of the running list may have re-rendered the row meanwhile.
    await waitFor(() => expect(screen.getByRole('progressbar', progressName).getAttribute('aria-valuenow')).toBe('80'));
    fireEvent.click(screen.getByRole('button', { name: '2 failed jobs — show them' }));
    expect(store.getState().ui.route).toEqual({ name: 'jobs' });
    expect(store.getState().jobs.table.filters.status).toEqual(['failed']);
  });

  it('tells a new user to submit a first job', async () => {
    const { store } = renderWithStore(<OverviewScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: [], nextCursor: null }) }));
    act(() => store.setState((s) => ({ system: { ...s.system, stats: makeStats({ total: 0 }) } })));
    expect(screen.getByRole('note', { name: 'No jobs yet' })).toBeTruthy();
    expect(await screen.findByRole('note', { name: 'Nothing is running' })).toBeTruthy();
  });
});

describe('WorkersScreen', () => {
  it('explains backpressure and scales the pool by hand and automatically', async () => {
    const scale = vi.fn(async ({ count }: { count: number }) => ({ target: count, workers: [] }));
    const autoscale = vi.fn(async (c: { min?: number; max?: number }) => ({ ...governor.autoScaling, minWorkers: c.min ?? 1, maxWorkers: c.max ?? 4 }));
    const { store } = renderWithStore(<WorkersScreen />, fakeApi({ 'governor:state': async () => governor, 'workers:scale': scale, 'workers:autoscale': autoscale }));
    act(() => store.setState((s) => ({ workers: { ...s.workers, loaded: true, list: [{ name: 'worker-1', pid: 7, state: 'busy', concurrency: 1, currentJobs: ['abc'], jobsDone: 3, jobsFailed: 1, startedAt: NOW, cpuPercent: 12.5, memoryMb: 80 }] } })));
    expect(await screen.findByRole('heading', { name: 'Backpressure: holding new jobs back' })).toBeTruthy();
    expect(screen.getByText(/Why: host CPU 95% is above 80%/)).toBeTruthy();
    expect(screen.getByRole('rowheader', { name: 'worker-1' })).toBeTruthy();
    expect(screen.getByText('12.5 %')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Number of workers'), { target: { value: '3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Scale' }));
    await waitFor(() => expect(scale).toHaveBeenCalledWith({ count: 3 }));
    fireEvent.change(screen.getByLabelText('Maximum workers'), { target: { value: '6' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save bounds' }));
    await waitFor(() => expect(autoscale).toHaveBeenCalledWith({ min: 1, max: 6 }));
  });
});

describe('SettingsScreen', () => {
  it('switches the theme and shows the engine settings to change', async () => {
    const { store } = renderWithStore(<SettingsScreen />, fakeApi({ 'governor:state': async () => governor, 'settings:get': async () => settingsView }));
    act(() => store.setState((s) => ({ system: { ...s.system, info: { version: '0.1.0', backend: 'sqlite', location: '/d/jobs.db', engineId: 'e1', engineRunning: true, dataDir: '/d', jobTypes: ['command'] } } })));
    expect(screen.getByText('SQLite (local file)')).toBeTruthy();
    expect(await screen.findByRole('form', { name: 'Thresholds and defaults' })).toBeTruthy();
    expect(await screen.findByText('80 %')).toBeTruthy();
    fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    expect(store.getState().settings.theme).toBe('dark');
    expect(localStorage.getItem('jobhandle.theme')).toBe('dark');
    fireEvent.click(screen.getByRole('radio', { name: 'Follow the system' }));
    expect(store.getState().settings.theme).toBe('system');
  });
});
