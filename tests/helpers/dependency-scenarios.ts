/**
 * Dependency scenarios that every backend must pass the same way (SQLite in
 * tests/integration/scheduling, Redis in tests/integration/redis): each takes a started engine's
 * manager and asserts the documented rules. The handler fixtures `noop`, `sleep` and
 * `fail-permanent` must be registered.
 */
import { expect } from 'vitest';
import type { JobManager } from '../../src/main/engine/manager';

/** A failed head cancels its success-dependents down the chain, naming the dependency at each level. */
export async function cascadeFromFailedHead(m: JobManager): Promise<void> {
  const flow = await m.submitFlow({
    jobs: [
      { ref: 'head', type: 'fail-permanent' },
      { ref: 'a', type: 'noop', dependsOn: [{ ref: 'head' }] },
      { ref: 'b', type: 'noop', dependsOn: [{ ref: 'a', trigger: 'success' }] },
      { ref: 'c', type: 'noop', dependsOn: [{ ref: 'b', trigger: 'completion' }] },
      { ref: 'onFail', type: 'noop', dependsOn: [{ ref: 'head', trigger: 'failure' }] },
    ],
  });
  const { head, a, b, c, onFail } = flow.ids as Record<string, string>;
  const done = await Promise.all([a, b, c, onFail].map((id) => m.waitForJob(id!, 30_000)));
  expect((await m.requireJob(head!)).status).toBe('failed');
  expect(done.map((j) => j.status)).toEqual(['cancelled', 'cancelled', 'completed', 'completed']);
  expect(done[0]!.error?.message).toBe(`dependency ${head} was failed; this job needed its success`);
  expect(done[1]!.error?.message).toBe(`dependency ${a} was cancelled; this job needed its success`);
}

/** Cancelling a waiting job by hand cascades to its dependents. */
export async function handCancelCascades(m: JobManager): Promise<void> {
  const gate = await m.submitJob({ type: 'sleep', parameters: { ms: 60_000, quiet: true } });
  const flow = await m.submitFlow({
    jobs: [
      { ref: 'mid', type: 'noop', dependsOn: [{ jobId: gate.id }] },
      { ref: 'leaf', type: 'noop', dependsOn: [{ ref: 'mid' }] },
    ],
  });
  expect(flow.jobs.map((j) => j.status)).toEqual(['waiting', 'waiting']);
  expect((await m.cancelJob(flow.ids.mid!, 'not needed')).status).toBe('cancelled');
  const leaf = await m.requireJob(flow.ids.leaf!);
  expect(leaf.status).toBe('cancelled');
  expect(leaf.error?.message).toBe(`dependency ${flow.ids.mid} was cancelled; this job needed its success`);
  await m.cancelJob(gate.id);
}
