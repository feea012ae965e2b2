/**
 * Job dependencies on the real engine (SQLite file, worker processes): a 100-node DAG with
 * mixed triggers run to outcomes computed independently here, cascade cancellation, rejection
 * of cycles / self-dependencies / unknown ids with nothing written, flows all-or-nothing, and
 * the restart rule.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countJobs, startEngine, waitUntil, type TestEngine } from '../../helpers/engine';
import { expectedStatuses, randomDag, TRIGGERS } from '../../helpers/dag';
import { cascadeFromFailedHead, handCancelCascades } from '../../helpers/dependency-scenarios';
import { rejection } from '../../helpers/rejection';

let engine: TestEngine;
beforeAll(async () => {
  engine = await startEngine({ overrides: { workers: { min: 1, max: 1, concurrency: 8 } } });
});
afterAll(async () => {
  await engine.cleanup();
});

describe('dependencies: a 100-node DAG with mixed triggers', () => {
  it('runs every node to the outcome the rules give', async () => {
    const nodes = randomDag(100, 20250309);
    const expected = expectedStatuses(nodes);
    // The graph exercises every outcome and every trigger.
    expect(new Set(expected)).toEqual(new Set(['completed', 'failed', 'cancelled']));
    expect(new Set(nodes.flatMap((n) => n.deps.map((d) => d.trigger)))).toEqual(new Set(TRIGGERS));

    const m = engine.manager;
    const flow = await m.submitFlow({
      jobs: nodes.map((n, i) => ({
        ref: `n${i}`,
        type: n.fails ? 'fail-permanent' : 'noop',
        parameters: { n: i },
        dependsOn: n.deps.map((d) => ({ ref: `n${d.on}`, trigger: d.trigger })),
      })),
    });
    expect(flow.jobs).toHaveLength(100);
    // Nodes with open dependencies are visible as waiting right after submission.
    expect(flow.jobs.filter((j) => j.status === 'waiting').length).toBeGreaterThan(0);
    expect(flow.jobs.every((j, i) => (nodes[i]!.deps.length ? j.status === 'waiting' : j.status === 'pending'))).toBe(true);

    const ids = nodes.map((_, i) => flow.ids[`n${i}`]!);
    const final = await waitUntil(async () => {
      const jobs = await Promise.all(ids.map((id) => m.requireJob(id)));
      return jobs.every((j) => ['completed', 'failed', 'cancelled'].includes(j.status)) ? jobs : null;
    }, 'every node of the DAG to finish', 60_000, 100);
    expect(final.map((j) => j.status)).toEqual(expected);

    // A cancelled node names the dependency that could no longer be met.
    const i = expected.indexOf('cancelled');
    const reason = final[i]!.error?.message ?? '';
    const culprit = nodes[i]!.deps.find((d) => (d.trigger === 'success' ? expected[d.on] !== 'completed' : d.trigger === 'failure' && expected[d.on] === 'completed'))!;
    expect(final[i]!.error?.code).toBe('DEPENDENCY');
    expect(reason).toMatch(/^dependency \S+ (completed|was failed|was cancelled); this job needed its (success|failure)$/);
    const named = reason.split(' ')[1]!;
    expect(nodes[i]!.deps.map((d) => ids[d.on])).toContain(named);
    expect(culprit).toBeDefined();

    const view = await m.getJobDependencies(ids[i]!);
    expect(view.dependencies.map((d) => d.dependsOn).sort()).toEqual(nodes[i]!.deps.map((d) => ids[d.on]).sort());
    expect(view.dependencies.some((d) => d.state === 'unmet')).toBe(true);
  }, 90_000);
});

describe('dependencies: cascade cancellation', () => {
  it('cancels a chain of success-dependents when the head fails, naming the dependency at each level', async () => {
    await cascadeFromFailedHead(engine.manager);
  });

  it('cancelling a waiting job by hand cascades to its dependents', async () => {
    await handCancelCascades(engine.manager);
  });
});

describe('dependencies: rejected at submit, nothing written', () => {
  it('rejects a cycle, naming its path', async () => {
    const m = engine.manager;
    const before = await countJobs(m);
    const err = await rejection(
      m.submitFlow({
        jobs: [
          { ref: 'x', type: 'noop', dependsOn: [{ ref: 'z' }] },
          { ref: 'y', type: 'noop', dependsOn: [{ ref: 'x' }] },
          { ref: 'z', type: 'noop', dependsOn: [{ ref: 'y' }] },
        ],
      }),
    );
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toBe('invalid flow: dependency cycle jobs[0] (ref "x") → jobs[2] (ref "z") → jobs[1] (ref "y") → jobs[0] (ref "x")');
    expect(await countJobs(m)).toBe(before);
  });

  it('rejects a self-dependency and an unknown ref or job id', async () => {
    const m = engine.manager;
    const before = await countJobs(m);
    const self = await rejection(m.submitFlow({ jobs: [{ ref: 'me', type: 'noop', dependsOn: [{ ref: 'me' }] }] }));
    expect(self.message).toBe('invalid flow: jobs[0] (ref "me") depends on itself');
    const ref = await rejection(m.submitFlow({ jobs: [{ ref: 'a', type: 'noop', dependsOn: [{ ref: 'ghost' }] }] }));
    expect(ref.message).toBe('invalid flow: jobs[0] (ref "a"): dependsOn names ref "ghost", which is not in the flow');
    const id = await rejection(
      m.submitFlow({ jobs: [{ ref: 'a', type: 'noop' }, { ref: 'b', type: 'noop', dependsOn: [{ jobId: 'no-such-job' }] }] }),
    );
    expect(id.message).toBe('invalid flow: jobs[1] (ref "b"): no job with id no-such-job');
    const plain = await rejection(m.submitJob({ type: 'noop', dependencies: [{ jobId: 'no-such-job', trigger: 'success' }] }));
    expect(plain.code).toBe('VALIDATION');
    expect(plain.message).toBe('invalid job: dependencies[0].jobId: no job with id no-such-job');
    expect([self, ref, id].every((e) => e.code === 'VALIDATION')).toBe(true);
    expect(await countJobs(m)).toBe(before);
  });

  it('writes no job of a flow when one of them is invalid', async () => {
    const m = engine.manager;
    const before = await countJobs(m);
    const err = await rejection(
      m.submitFlow({
        jobs: [
          { ref: 'a', type: 'noop' },
          { ref: 'b', type: 'noop', priority: 'SUPER' as never, dependsOn: [{ ref: 'a' }] },
        ],
      }),
    );
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(/^invalid flow: jobs\[1\].priority: expected one of/);
    expect(await countJobs(m)).toBe(before);
  });
});

describe('dependencies: adding a dependent to an existing job', () => {
  it('waits for a running job, and starts at once after a finished one', async () => {
    const m = engine.manager;
    const first = await m.submitJob({ type: 'noop', parameters: { n: 1 } });
    await m.waitForJob(first.id, 20_000);
    const after = await m.submitJob({ type: 'noop', dependencies: [{ jobId: first.id, trigger: 'success' }] });
    expect(after.status).toBe('pending');
    const failedOne = await m.submitJob({ type: 'fail-permanent' });
    await m.waitForJob(failedOne.id, 20_000);
    const doomed = await m.submitJob({ type: 'noop', dependencies: [{ jobId: failedOne.id, trigger: 'success' }] });
    expect(doomed.status).toBe('cancelled');
    expect(doomed.error?.message).toBe(`dependency ${failedOne.id} was failed; this job needed its success`);
    expect((await m.waitForJob(after.id, 20_000)).status).toBe('completed');
  });
});

describe('dependencies: restarting a failed prerequisite', () => {
  it('puts the dependents cancelled because of it back to waiting, down the graph', async () => {
    const m = engine.manager;
    const marker = `${engine.dir}/fixed`;
    // The head fails the first time (its command exits 1 until the marker file exists).
    const flow = await m.submitFlow({
      jobs: [
        { ref: 'head', type: 'command', parameters: { argv: ['test', '-e', marker] } },
        { ref: 'a', type: 'noop', dependsOn: [{ ref: 'head' }] },
        { ref: 'b', type: 'noop', dependsOn: [{ ref: 'a' }] },
        { ref: 'other', type: 'fail-permanent' },
        { ref: 'c', type: 'noop', dependsOn: [{ ref: 'head' }, { ref: 'other' }] },
      ],
    });
    const { head, a, b, c, other } = flow.ids as Record<string, string>;
    await Promise.all([a, b, c].map((id) => m.waitForJob(id!, 30_000)));
    expect((await m.requireJob(head!)).status).toBe('failed');
    expect((await m.requireJob(other!)).status).toBe('failed');
    expect((await m.requireJob(b!)).status).toBe('cancelled');

    const { writeFileSync } = await import('node:fs');
    writeFileSync(marker, '');
    await m.restartJob(head!);
    // a and b go back to waiting at once (same write as the restart); c still has an unmet edge.
    const reopened = await Promise.all([a, b, c].map((id) => m.requireJob(id!)));
    expect(reopened[2]!.status).toBe('cancelled');
    expect(['waiting', 'pending', 'running', 'completed']).toContain(reopened[0]!.status);
    const done = await Promise.all([head, a, b].map((id) => m.waitForJob(id!, 30_000)));
    expect(done.map((j) => j.status)).toEqual(['completed', 'completed', 'completed']);
    expect((await m.requireJob(c!)).status).toBe('cancelled');
    const view = await m.getJobDependencies(c!);
    expect(view.dependencies.find((d) => d.dependsOn === head)?.state).toBe('met');
    expect(view.dependencies.find((d) => d.dependsOn === other)?.state).toBe('unmet');
    // Restarting c itself is refused while one of its dependencies can never be met.
    const err = await rejection(m.restartJob(c!));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toContain(`restart ${other} first`);
  });
});
