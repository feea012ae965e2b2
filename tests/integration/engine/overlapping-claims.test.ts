/**
 * Overlapping claims (QueueBackend.overlappingClaims): on SQLite the dispatcher sends one claim
 * per worker together. Real engine, worker processes and file; one claim fails by injection (a
 * SqliteBackend whose second claim throws), and every job still runs exactly once.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { ClaimRequest, ClaimedJob } from '../../../src/main/engine/backend/queue-backend';
import { JobManager } from '../../../src/main/engine/manager';
import { AppError } from '../../../src/shared/errors';
import { makeTempDir, testConfig } from '../../helpers/engine';

class CountingBackend extends SqliteBackend {
  inFlight = 0;
  maxInFlight = 0;
  calls = 0;
  constructor(
    path: string,
    private readonly failCall: number,
  ) {
    super({ path });
  }
  override async claimJobs(req: ClaimRequest): Promise<ClaimedJob[]> {
    const call = ++this.calls;
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      const claimed = await super.claimJobs(req);
      if (call === this.failCall) {
        // The failure comes after the other claims were sent, before this one's jobs are used:
        // its jobs stay claimed in the store, as when a reply is lost.
        throw new AppError('BACKEND_UNAVAILABLE', `injected claim failure (${claimed.length} jobs left claimed)`);
      }
      return claimed;
    } finally {
      this.inFlight--;
    }
  }
}

let dir: string;
let manager: JobManager | null = null;
afterEach(async () => {
  await manager?.close();
  manager = null;
  rmSync(dir, { recursive: true, force: true });
});

it('sends one claim per worker together and starts every job once', async () => {
  dir = makeTempDir('jh-overlap-');
  const backend = new CountingBackend(join(dir, 'jobs.db'), Number.MAX_SAFE_INTEGER);
  const config = testConfig(dir, { workers: { min: 3, max: 3, concurrency: 20 } });
  manager = await JobManager.open({ config, backend });
  const started = new Map<string, number>();
  manager.on('job:started', (e) => started.set(e.id, (started.get(e.id) ?? 0) + 1));
  const jobs = await manager.submitJobs(Array.from({ length: 300 }, (_, i) => ({ type: 'noop', parameters: { i } })));
  await manager.start();
  expect(await backend.startStoreThread()).toBe(true);
  await expect.poll(async () => (await backend.countByStatus()).counts.completed, { timeout: 30_000, interval: 100 }).toBe(300);
  expect(backend.maxInFlight).toBeGreaterThanOrEqual(2);
  for (const j of jobs) expect(started.get(j.id)).toBe(1);
});

it('starts the jobs of the other claims when one of a round fails, and goes on after it', async () => {
  dir = makeTempDir('jh-overlap-');
  // Claim 2 is the second worker's claim of the first round.
  const backend = new CountingBackend(join(dir, 'jobs.db'), 2);
  const config = testConfig(dir, { workers: { min: 3, max: 3, concurrency: 20 }, jobs: { defaultTimeoutSeconds: 2 } });
  manager = await JobManager.open({ config, backend });
  const errors: string[] = [];
  manager.on('engine:error', (e) => errors.push(e.message));
  const started = new Map<string, number>();
  manager.on('job:started', (e) => started.set(e.id, (started.get(e.id) ?? 0) + 1));
  const jobs = await manager.submitJobs(Array.from({ length: 200 }, (_, i) => ({ type: 'noop', parameters: { i } })));
  await manager.start();
  // The 20 jobs of the failed claim stay claimed until their 2 s timeout hands them to the retry
  // path; every other job runs at once, once.
  await expect.poll(async () => (await backend.countByStatus()).counts.completed, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(180);
  expect(errors.some((m) => m.includes('injected claim failure'))).toBe(true);
  const runOnce = jobs.filter((j) => started.get(j.id) === 1).length;
  expect(runOnce).toBeGreaterThanOrEqual(180);
  for (const j of jobs) expect(started.get(j.id) ?? 0).toBeLessThanOrEqual(1);
});
