// @vitest-environment jsdom
/**
 * The store's event reducers: one batch updates the right slices in one set(), progress is
 * coalesced per job, untouched slices keep their identity, and rows select only their own job.
 */
import { describe, expect, it, vi } from 'vitest';
import type { EventBatch } from '../../src/shared/contract';
import { applyBatch, createAppStore } from '../../src/renderer/src/store/app-store';
import { LIVE_JOBS_CAP, mergeLive, reduceJobEvents } from '../../src/renderer/src/store/jobs-slice';
import { fakeApi, makeJob, NOW } from './render-helpers';

const workerInfo = { name: 'worker-1', pid: 42, state: 'busy' as const, concurrency: 1, currentJobs: ['a'], jobsDone: 0, jobsFailed: 0, startedAt: NOW, cpuPercent: 3, memoryMb: 50 };

describe('applyBatch', () => {
  it('applies progress, completed and failed events to the jobs slice in one set()', () => {
    const store = createAppStore(fakeApi({}));
    const listener = vi.fn();
    store.subscribe(listener);
    const before = store.getState();
    const batch: EventBatch = [
      { event: 'job:started', payload: { id: 'a', type: 'command', queue: 'default', attempt: 1, worker: 'worker-1', startedAt: NOW } },
      { event: 'job:progress', payload: { id: 'a', progress: 40, message: 'reading' } },
      { event: 'job:completed', payload: { id: 'b', type: 'command', queue: 'default', attempt: 1, result: { ok: true }, durationMs: 12, finishedAt: NOW + 5 } },
      { event: 'job:failed', payload: { id: 'c', type: 'command', queue: 'default', attempt: 2, error: { class: 'permanent', message: 'bad input' }, finishedAt: NOW + 6 } },
    ];
    applyBatch(store, batch, NOW + 10);
    expect(listener).toHaveBeenCalledTimes(1);
    const after = store.getState();
    expect(after.jobs.live.a).toMatchObject({ status: 'running', progress: 40, message: 'reading', worker: 'worker-1', attempts: 1 });
    expect(after.jobs.live.b).toMatchObject({ status: 'completed', progress: 100, finishedAt: NOW + 5 });
    expect(after.jobs.live.c).toMatchObject({ status: 'failed', error: { class: 'permanent', message: 'bad input' } });
    expect(after.jobs.changeSeq).toBe(before.jobs.changeSeq + 1);
    // Slices the batch did not touch keep their identity: their subscribers do not re-render.
    expect(after.workers).toBe(before.workers);
    expect(after.system).toBe(before.system);
    expect(after.schedules).toBe(before.schedules);
    expect(after.ui).toBe(before.ui);
  });

  it('keeps the latest progress of a job when a batch carries several (coalesced)', () => {
    const store = createAppStore(fakeApi({}));
    applyBatch(
      store,
      [
        { event: 'job:progress', payload: { id: 'a', progress: 10, message: 'one' } },
        { event: 'job:progress', payload: { id: 'a', progress: 70, message: 'two' } },
      ],
      NOW,
    );
    expect(store.getState().jobs.live.a).toMatchObject({ progress: 70, message: 'two' });
    // Progress alone does not count as a status change (lists do not refetch for it).
    expect(store.getState().jobs.changeSeq).toBe(0);
  });

  it('leaves the live entry of other jobs untouched (a row re-renders only for its own job)', () => {
    const store = createAppStore(fakeApi({}));
    applyBatch(store, [{ event: 'job:progress', payload: { id: 'a', progress: 10, message: null } }, { event: 'job:progress', payload: { id: 'b', progress: 10, message: null } }], NOW);
    const b = store.getState().jobs.live.b;
    applyBatch(store, [{ event: 'job:progress', payload: { id: 'a', progress: 20, message: null } }], NOW + 1);
    expect(store.getState().jobs.live.b).toBe(b);
  });

  it('updates workers, paused queues, engine errors and navigation requests in their own slices', () => {
    const store = createAppStore(fakeApi({}));
    applyBatch(
      store,
      [
        { event: 'worker:changed', payload: { worker: workerInfo, change: 'ready' } },
        { event: 'queue:paused', payload: { queue: 'emails' } },
        { event: 'engine:error', payload: { code: 'BACKEND_UNAVAILABLE', message: 'disk gone' } },
        { event: 'ui:navigate', payload: { jobId: 'a' } },
      ],
      NOW,
    );
    let s = store.getState();
    expect(s.workers.list).toEqual([workerInfo]);
    expect(s.system.pausedQueues).toEqual(['emails']);
    expect(s.system.engineErrors).toEqual([{ code: 'BACKEND_UNAVAILABLE', message: 'disk gone', at: NOW }]);
    expect(s.ui.route).toEqual({ name: 'job', id: 'a' });
    applyBatch(store, [{ event: 'worker:changed', payload: { worker: workerInfo, change: 'exited' } }, { event: 'queue:resumed', payload: { queue: 'emails' } }], NOW + 1);
    s = store.getState();
    expect(s.workers.list).toEqual([]);
    expect(s.system.pausedQueues).toEqual([]);
  });

  it('counts added jobs for the "new since loaded" hint and caps the live map', () => {
    const slice = createAppStore(fakeApi({})).getState().jobs;
    const added: EventBatch = [{ event: 'job:added', payload: { id: 'x', type: 'command', queue: 'default', priority: 'NORMAL', status: 'pending', runAt: NOW } }];
    expect(reduceJobEvents(slice, added, NOW)).toEqual({ addedSinceLoad: 1, changeSeq: 1 });
    const many: EventBatch = Array.from({ length: LIVE_JOBS_CAP + 10 }, (_, i) => ({ event: 'job:progress' as const, payload: { id: `j${i}`, progress: 1, message: null } }));
    const out = reduceJobEvents(slice, many, NOW);
    expect(Object.keys(out.live ?? {})).toHaveLength(LIVE_JOBS_CAP);
  });

  it('merges what events said into a fetched record', () => {
    const job = makeJob({ id: 'a', status: 'pending' });
    expect(mergeLive(job, { status: 'running', progress: 55, message: 'half', at: NOW })).toMatchObject({ status: 'running', progress: 55, progressMessage: 'half' });
    expect(mergeLive(job, undefined)).toBe(job);
  });
});
