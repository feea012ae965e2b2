// @vitest-environment jsdom
/**
 * Job detail: parameters and error shown, live progress from events, cancel behind a
 * confirmation, restart, duplicate as a new job (pre-filled Submit), attempts and dependencies.
 */
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyBatch } from '../../src/renderer/src/store/app-store';
import { JobDetailScreen } from '../../src/renderer/src/features/job-detail/job-detail-screen';
import { fakeApi, makeJob, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

const noDeps = async () => ({ id: 'job-1', status: 'running' as const, dependencies: [], dependents: [] });

describe('JobDetailScreen', () => {
  it('shows the job, follows its progress and cancels it after confirmation', async () => {
    const running = makeJob({ status: 'running', attempts: 1, startedAt: NOW, worker: 'worker-1', parameters: { argv: ['sleep', '60'] } });
    const cancel = vi.fn(async () => ({ ...running, cancelRequested: true }));
    const { store } = renderWithStore(
      <JobDetailScreen id="job-1" />,
      fakeApi({
        'jobs:get': async () => running,
        'jobs:attempts': async () => [{ attempt: 1, startedAt: NOW, finishedAt: null, worker: 'worker-1', outcome: 'interrupted', error: null, durationMs: null }],
        'jobs:logs': async () => [{ seq: 1, ts: NOW, stream: 'out', line: 'started sleeping' }],
        'jobs:dependencies': noDeps,
        'jobs:cancel': cancel,
      }),
    );
    expect(await screen.findByText('"sleep"')).toBeTruthy();
    expect(await screen.findByText('started sleeping')).toBeTruthy();
    act(() => applyBatch(store, [{ event: 'job:progress', payload: { id: 'job-1', progress: 30, message: 'a third' } }], NOW));
    expect(screen.getByRole('progressbar', { name: 'Job progress' }).getAttribute('aria-valuenow')).toBe('30');
    fireEvent.click(screen.getByRole('button', { name: 'Cancel job' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel this job?' });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel job' }));
    await waitFor(() => expect(cancel).toHaveBeenCalledWith({ id: 'job-1' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Cancelling…' })).toBeTruthy());
  });

  it('shows a failed job with its error and stack, restarts it, and duplicates it', async () => {
    const failed = makeJob({ status: 'failed', attempts: 2, error: { class: 'transient', message: 'exit 3', stack: 'Error: exit 3\n    at run', code: 'EXIT_3' } });
    const restart = vi.fn(async () => ({ ...failed, status: 'pending' as const, error: null }));
    const { store } = renderWithStore(
      <JobDetailScreen id="job-1" />,
      fakeApi({
        'jobs:get': async () => failed,
        'jobs:attempts': async () => [
          { attempt: 1, startedAt: NOW, finishedAt: NOW + 10, worker: 'w', outcome: 'retrying', error: { class: 'transient', message: 'exit 3' }, durationMs: 10 },
          { attempt: 2, startedAt: NOW + 20, finishedAt: NOW + 30, worker: 'w', outcome: 'failed', error: { class: 'transient', message: 'exit 3', stack: 'trace' }, durationMs: 10 },
        ],
        'jobs:logs': async () => [],
        'jobs:dependencies': noDeps,
        'jobs:restart': restart,
      }),
    );
    expect(await screen.findByRole('heading', { name: 'Error (transient, EXIT_3)' })).toBeTruthy();
    expect(screen.getByText(/Error: exit 3\s+at run/)).toBeTruthy();
    await waitFor(() => expect(screen.getAllByRole('row')).toHaveLength(3));
    fireEvent.click(screen.getByRole('button', { name: 'Restart job' }));
    await waitFor(() => expect(restart).toHaveBeenCalledWith({ id: 'job-1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Duplicate as new job' }));
    expect(store.getState().ui.route).toEqual({ name: 'submit' });
    expect(store.getState().ui.submitDraft).toMatchObject({ type: 'command', parameters: { argv: ['echo', 'hi'] }, maxRetries: 3 });
  });

  it('draws dependencies and dependents as links to those jobs', async () => {
    const { store } = renderWithStore(
      <JobDetailScreen id="job-1" />,
      fakeApi({
        'jobs:get': async () => makeJob({ status: 'waiting' }),
        'jobs:attempts': async () => [],
        'jobs:logs': async () => [],
        'jobs:dependencies': async () => ({
          id: 'job-1',
          status: 'waiting' as const,
          dependencies: [{ jobId: 'job-1', dependsOn: 'parent-a', trigger: 'success' as const, state: 'met' as const, resolvedAt: NOW, otherStatus: 'completed' as const }],
          dependents: [{ jobId: 'child-b', dependsOn: 'job-1', trigger: 'completion' as const, state: 'waiting' as const, resolvedAt: null, otherStatus: 'waiting' as const }],
        }),
      }),
    );
    const graph = await screen.findByRole('group', { name: 'Dependency graph: 1 dependencies, 1 dependents' });
    fireEvent.click(within(graph).getByRole('link', { name: 'Dependency parent-a, completed' }));
    expect(store.getState().ui.route).toEqual({ name: 'job', id: 'parent-a' });
    expect(within(graph).getByRole('link', { name: 'Dependent child-b, waiting' })).toBeTruthy();
  });

  it('says plainly when the job does not exist', async () => {
    const { AppError } = await import('../../src/shared/errors');
    renderWithStore(<JobDetailScreen id="nope" />, fakeApi({ 'jobs:get': () => Promise.reject(new AppError('NOT_FOUND', 'no job "nope"')) }));
    expect((await screen.findByRole('alert')).textContent).toBe('Not found: no job "nope" (NOT_FOUND)');
  });
});
