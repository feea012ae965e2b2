/**
 * Nothing is lost when processes die: a worker killed mid-job, the engine process killed with
 * SIGKILL mid-run, and a graceful stop that hands running jobs back for the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FIXTURES_DIR,
  makeTempDir,
  processAlive,
  startEngine,
  waitForEvent,
  waitUntil,
  type TestEngine,
} from '../../helpers/engine';
import { rmSync } from 'node:fs';

const REPO_ROOT = resolve(FIXTURES_DIR, '../..');

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function engineFor(...args: Parameters<typeof startEngine>): Promise<TestEngine> {
  const e = await startEngine(...args);
  cleanups.push(() => e.cleanup());
  return e;
}

describe('engine: worker crash', () => {
  it('retries and completes a job whose worker was killed with SIGKILL, and replaces the worker', async () => {
    const { manager: m } = await engineFor({ overrides: { workers: { min: 1, concurrency: 2 } } });
    const job = await m.submitJob({
      type: 'sleep',
      parameters: { firstAttemptMs: 30_000, ms: 20 },
      maxRetries: 2,
      retryDelaySeconds: 0,
    });
    await waitForEvent(m, 'job:progress', (e) => e.id === job.id); // the handler is running
    const victim = m.listWorkers().find((w) => w.currentJobs.includes(job.id));
    expect(victim?.pid).toBeTypeOf('number');
    process.kill(victim!.pid!, 'SIGKILL');

    const final = await m.waitForJob(job.id, 20_000);
    expect(final.status).toBe('completed');
    expect(final.attempts).toBe(2);
    const attempts = await m.getJobAttempts(job.id);
    expect(attempts).toHaveLength(1);
    expect(attempts[0]).toMatchObject({ attempt: 1, outcome: 'retrying', error: { class: 'worker_crash' } });
    expect(attempts[0]!.error!.message).toContain('SIGKILL');

    expect((await m.listJobs({ status: 'running' })).jobs).toEqual([]);
    // The pool replaced the dead worker with a new process.
    const workers = await waitUntil(() => {
      const list = m.listWorkers();
      return list.length === 1 && list[0]!.pid !== victim!.pid && list[0]!.state === 'idle' ? list : null;
    }, 'a replacement worker');
    expect(workers[0]!.name).not.toBe(victim!.name);
    expect(processAlive(victim!.pid!)).toBe(false);
    // …and it runs jobs.
    const next = await m.submitJob({ type: 'noop' });
    expect((await m.waitForJob(next.id, 10_000)).status).toBe('completed');
  });
});

describe('engine: worker exit during a claim', () => {
  it('hands back the jobs of a claim answered after its worker died, and runs them on the replacement', async () => {
    const { manager: m } = await engineFor({ overrides: { workers: { min: 1, concurrency: 2 } }, start: false });
    const job = await m.submitJob({ type: 'noop' });
    // The first claim kills the worker it claims for and answers only once the pool has seen it die.
    const backend = m.backend;
    const claimJobs = backend.claimJobs.bind(backend);
    let killed = false;
    backend.claimJobs = async (request) => {
      if (!killed) {
        killed = true;
        const crashed = waitForEvent(m, 'worker:changed', (e) => e.change === 'crashed' && e.worker.name === request.worker);
        process.kill(m.listWorkers().find((w) => w.name === request.worker)!.pid!, 'SIGKILL');
        await crashed;
      }
      return claimJobs(request);
    };
    await m.start();

    const final = await m.waitForJob(job.id, 15_000);
    expect(killed).toBe(true);
    expect(final.status).toBe('completed');
    expect(final.attempts).toBe(1); // handed back, not failed: the attempt does not count
    expect((await m.listJobs({ status: 'running' })).jobs).toEqual([]);
  });
});

describe('engine: engine crash', () => {
  it('loses no job when the engine process is killed with SIGKILL mid-run', async () => {
    const dir = makeTempDir();
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const COUNT = 500;
    const child: ChildProcess = spawn(
      process.execPath,
      ['--import', 'tsx', join(FIXTURES_DIR, 'engine-crash-child.ts'), dir, String(COUNT)],
      { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<NodeJS.Signals | number | null>((res) => child.once('exit', (code, signal) => res(signal ?? code)));
    cleanups.push(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    // Kill it once a good part of the jobs is done and the rest is in flight or waiting.
    await new Promise<void>((res, rej) => {
      let buffer = '';
      const timer = setTimeout(() => rej(new Error(`child engine made no progress; stderr: ${stderr}`)), 45_000);
      child.stdout!.on('data', (d: Buffer) => {
        buffer += d.toString();
        const lines = buffer.split('\n');
        buffer = lines.pop() ?? '';
        for (const line of lines) {
          const n = /^completed (\d+)$/.exec(line);
          if (n && Number(n[1]) >= 100) {
            clearTimeout(timer);
            child.kill('SIGKILL');
            res();
            return;
          }
        }
      });
      child.once('exit', () => rej(new Error(`child engine exited early; stderr: ${stderr}`)));
    });
    expect(await exited).toBe('SIGKILL');

    // What the dead engine left behind.
    const inspector = await engineFor({ dir, start: false });
    const before = await inspector.manager.getQueueStats();
    expect(before.total).toBe(COUNT);
    expect(before.counts.completed).toBeGreaterThanOrEqual(100);
    expect(before.counts.completed).toBeLessThan(COUNT);
    const leftRunning = (await inspector.manager.listJobs({ status: 'running', limit: 1000 })).jobs.map((j) => j.id);
    expect(leftRunning.length).toBeGreaterThan(0);

    // A new engine on the same file recovers and finishes everything.
    const restarted = await inspector.open({ overrides: { workers: { min: 2, concurrency: 8 } } });
    await waitUntil(
      async () => {
        const s = await restarted.getQueueStats();
        return s.counts.completed + s.counts.failed + s.counts.cancelled === COUNT;
      },
      'every job to reach a terminal state',
      45_000,
      100,
    );
    const after = await restarted.getQueueStats();
    expect(after.total).toBe(COUNT);
    expect(after.counts.completed).toBe(COUNT);
    expect(after.running_jobs).toBe(0);
    for (const id of leftRunning) {
      const attempts = await restarted.getJobAttempts(id);
      expect(attempts[0]).toMatchObject({ outcome: 'retrying', error: { class: 'engine_crash' } });
      expect((await restarted.getJob(id))?.attempts).toBe(2);
    }
  }, 120_000);
});

describe('engine: graceful stop', () => {
  it('hands running jobs back on stop (attempt not counted); a new engine completes them', async () => {
    const first = await engineFor({ overrides: { workers: { min: 1, concurrency: 4 } } });
    const m = first.manager;
    const stopFile = join(first.dir, 'release-the-sleepers');
    const jobs = await m.submitJobs([1, 2, 3].map(() => ({ type: 'sleep', parameters: { ms: 30_000, stopFile }, maxRetries: 0 })));
    const ids = jobs.map((j) => j.id);
    const running = new Set<string>();
    await new Promise<void>((res) => {
      const onProgress = (e: { id: string }) => {
        if (ids.includes(e.id)) running.add(e.id);
        if (running.size === ids.length) {
          m.off('job:progress', onProgress);
          res();
        }
      };
      m.on('job:progress', onProgress);
    });

    const t0 = Date.now();
    await m.stop(200);
    expect(Date.now() - t0).toBeLessThan(10_000);
    for (const id of ids) {
      const job = (await m.getJob(id))!;
      expect(job.status).toBe('pending');
      expect(job.attempts).toBe(0);
      expect(job.startedAt).toBeNull();
      expect(job.error).toBeNull();
      expect(await m.getJobAttempts(id)).toEqual([]);
    }
    expect(m.listWorkers()).toEqual([]);

    writeFileSync(stopFile, 'go');
    const second = await first.open();
    const finals = await Promise.all(ids.map((id) => second.waitForJob(id, 20_000)));
    for (const f of finals) {
      expect(f.status).toBe('completed');
      expect(f.attempts).toBe(1);
      expect(f.result).toMatchObject({ stoppedEarly: true });
    }
  });
});
