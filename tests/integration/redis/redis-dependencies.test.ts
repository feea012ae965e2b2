/**
 * Job dependencies in Redis mode (the rules of tests/integration/scheduling/dependencies.test.ts
 * on a Redis store): a DAG with mixed triggers run to the outcomes the rules give, cascade
 * cancellation, a hand cancel cascading, dependents of existing jobs, the restart rule, and two
 * engines on one Redis releasing every dependent exactly once (a ledger counts the runs).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { waitUntil, type TestEngine } from '../../helpers/engine';
import { removeRedisPrefix, startRedisEngine, uniqueRedisPrefix, type RedisAddress } from './redis-test-util';
import { expectedStatuses, randomDag } from '../../helpers/dag';
import { cascadeFromFailedHead, handCancelCascades } from '../../helpers/dependency-scenarios';

const redis = inject('redis');
describe.skipIf(!redis.single)('dependencies on Redis', () => {
  let addr: RedisAddress;
  let a: TestEngine;
  let b: TestEngine;
  beforeAll(async () => {
    addr = { url: redis.single!, prefix: uniqueRedisPrefix() };
    const overrides = { workers: { min: 1, max: 1, concurrency: 8 } };
    a = await startRedisEngine(addr, { overrides });
    b = await startRedisEngine(addr, { overrides });
  });
  afterAll(async () => {
    await a?.cleanup();
    await b?.cleanup();
    await removeRedisPrefix(addr).catch(() => undefined);
  });

  it('runs a 60-node DAG with mixed triggers on two engines to the outcomes the rules give, each node once', async () => {
    const nodes = randomDag(60, 20250309);
    const expected = expectedStatuses(nodes);
    expect(new Set(expected)).toEqual(new Set(['completed', 'failed', 'cancelled']));
    const ledger = join(a.dir, 'dag-ledger.txt');
    const flow = await a.manager.submitFlow({
      jobs: nodes.map((n, i) => ({
        ref: `n${i}`,
        type: n.fails ? 'fail-permanent' : 'ledger',
        parameters: n.fails ? { n: i } : { file: ledger, ms: 1, i },
        dependsOn: n.deps.map((d) => ({ ref: `n${d.on}`, trigger: d.trigger })),
      })),
    });
    // Right after submission: jobs without dependencies pending, some dependents still waiting (the
    // engines may already have run a prerequisite and released its dependents).
    expect(flow.jobs.every((j, i) => nodes[i]!.deps.length || j.status === 'pending')).toBe(true);
    expect(flow.jobs.some((j) => j.status === 'waiting')).toBe(true);
    const ids = nodes.map((_, i) => flow.ids[`n${i}`]!);
    const final = await waitUntil(async () => {
      const jobs = await Promise.all(ids.map((id) => b.manager.requireJob(id)));
      return jobs.every((j) => ['completed', 'failed', 'cancelled'].includes(j.status)) ? jobs : null;
    }, 'every node of the DAG to finish', 60_000, 100);
    expect(final.map((j) => j.status)).toEqual(expected);
    const i = expected.indexOf('cancelled');
    expect(final[i]!.error?.code).toBe('DEPENDENCY');
    expect(final[i]!.error?.message).toMatch(/^dependency \S+ (completed|was failed|was cancelled); this job needed its (success|failure)$/);
    // Every completed node ran exactly once, whichever engine ran it.
    const runs = existsSync(ledger) ? readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]!) : [];
    const completed = ids.filter((_, k) => expected[k] === 'completed');
    expect(runs.sort()).toEqual([...completed].sort());
    const view = await a.manager.getJobDependencies(ids[i]!);
    expect(view.dependencies.map((d) => d.dependsOn).sort()).toEqual(nodes[i]!.deps.map((d) => ids[d.on]).sort());
    expect(view.dependencies.some((d) => d.state === 'unmet')).toBe(true);
  }, 90_000);

  it('two engines see 30 prerequisites finish: each of 30 dependents is released and run exactly once', async () => {
    const ledger = join(a.dir, 'fan-ledger.txt');
    const jobs = [
      ...Array.from({ length: 30 }, (_, i) => ({ ref: `p${i}`, type: 'noop', parameters: { i } })),
      ...Array.from({ length: 30 }, (_, i) => ({
        ref: `d${i}`,
        type: 'ledger',
        parameters: { file: ledger, ms: 1, i },
        // every dependent waits on several prerequisites, finished by either engine
        dependsOn: [{ ref: `p${i}` }, { ref: `p${(i + 1) % 30}`, trigger: 'completion' as const }, { ref: `p${(i + 7) % 30}` }],
      })),
    ];
    const flow = await b.manager.submitFlow({ jobs });
    const deps = Array.from({ length: 30 }, (_, i) => flow.ids[`d${i}`]!);
    await waitUntil(async () => {
      const all = await Promise.all(deps.map((id) => a.manager.requireJob(id)));
      return all.every((j) => j.status === 'completed') ? true : null;
    }, 'all 30 dependents to complete', 60_000, 100);
    const runs = readFileSync(ledger, 'utf8').split('\n').filter(Boolean).map((l) => l.split(' ')[0]!);
    expect(runs.length).toBe(30);
    expect(new Set(runs)).toEqual(new Set(deps));
    for (const id of deps) expect((await a.manager.requireJob(id)).attempts).toBe(1);
  }, 90_000);

  it('cascades: a failed head cancels its success-dependents down the chain, naming the dependency', async () => {
    await cascadeFromFailedHead(a.manager);
  });

  it('cancelling a waiting job by hand cascades to its dependents', async () => {
    await handCancelCascades(a.manager);
  });

  it('a dependent of a finished job starts at once, or is cancelled when the edge can never be met; unknown ids are rejected', async () => {
    const m = a.manager;
    const first = await m.submitJob({ type: 'noop', parameters: { n: 1 } });
    await m.waitForJob(first.id, 20_000);
    const after = await m.submitJob({ type: 'noop', dependencies: [{ jobId: first.id, trigger: 'success' }] });
    expect(['pending', 'running', 'completed']).toContain(after.status); // released at once; an engine may start it at once
    const failedOne = await m.submitJob({ type: 'fail-permanent' });
    await m.waitForJob(failedOne.id, 20_000);
    const doomed = await m.submitJob({ type: 'noop', dependencies: [{ jobId: failedOne.id, trigger: 'success' }] });
    expect(doomed.status).toBe('cancelled');
    expect(doomed.error?.message).toBe(`dependency ${failedOne.id} was failed; this job needed its success`);
    expect((await m.waitForJob(after.id, 20_000)).status).toBe('completed');
    await expect(m.submitJob({ type: 'noop', dependencies: [{ jobId: 'no-such-job', trigger: 'success' }] })).rejects.toMatchObject({
      code: 'VALIDATION',
      message: 'invalid job: dependencies[0].jobId: no job with id no-such-job',
    });
  });

  it('restarting a failed prerequisite re-opens the dependents cancelled because of it, down the graph', async () => {
    const m = a.manager;
    const marker = join(a.dir, 'fixed');
    const flow = await m.submitFlow({
      jobs: [
        { ref: 'head', type: 'command', parameters: { argv: ['test', '-e', marker] } },
        { ref: 'a', type: 'noop', dependsOn: [{ ref: 'head' }] },
        { ref: 'b', type: 'noop', dependsOn: [{ ref: 'a' }] },
        { ref: 'other', type: 'fail-permanent' },
        { ref: 'c', type: 'noop', dependsOn: [{ ref: 'head' }, { ref: 'other' }] },
      ],
    });
    const { head, a: ja, b: jb, c, other } = flow.ids as Record<string, string>;
    await Promise.all([ja, jb, c].map((id) => m.waitForJob(id!, 30_000)));
    expect((await m.requireJob(head!)).status).toBe('failed');
    expect((await m.requireJob(other!)).status).toBe('failed');
    expect((await m.requireJob(jb!)).status).toBe('cancelled');
    writeFileSync(marker, '');
    await m.restartJob(head!);
    const reopened = await Promise.all([ja, jb, c].map((id) => m.requireJob(id!)));
    expect(reopened[2]!.status).toBe('cancelled');
    expect(['waiting', 'pending', 'running', 'completed']).toContain(reopened[0]!.status);
    const done = await Promise.all([head, ja, jb].map((id) => m.waitForJob(id!, 30_000)));
    expect(done.map((j) => j.status)).toEqual(['completed', 'completed', 'completed']);
    expect((await m.requireJob(c!)).status).toBe('cancelled');
    const view = await m.getJobDependencies(c!);
    expect(view.dependencies.find((d) => d.dependsOn === head)?.state).toBe('met');
    expect(view.dependencies.find((d) => d.dependsOn === other)?.state).toBe('unmet');
    await expect(m.restartJob(c!)).rejects.toMatchObject({ code: 'CONFLICT' });
  }, 60_000);
});
