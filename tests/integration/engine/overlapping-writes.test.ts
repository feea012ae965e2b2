/**
 * Overlapping writes (QueueBackend.overlappingWrites, true for Redis): the dispatcher may send a
 * write while the one before is in flight, never more than two, and never two that carry the same
 * job (a job's progress and its outcome must land in order). Real engine, worker processes and
 * SQLite file: the backend here only declares overlappingWrites and records what is in flight.
 * The Redis backend runs the same dispatcher in the Redis suites.
 */
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import type { WriteBatch } from '../../../src/main/engine/backend/queue-backend';
import { JobManager } from '../../../src/main/engine/manager';
import { makeTempDir, testConfig } from '../../helpers/engine';

class RecordingBackend extends SqliteBackend {
  readonly inFlight = new Set<Set<string>>();
  maxInFlight = 0;
  writes = 0;
  /** Jobs found in two writes in flight at once. */
  readonly shared: string[] = [];
  constructor(
    path: string,
    readonly overlappingWrites: boolean,
  ) {
    super({ path });
  }
  override async write(batch: WriteBatch): Promise<void> {
    const ids = new Set([...(batch.outcomes ?? []).map((o) => o.id), ...(batch.progress ?? []).map((p) => p.id), ...(batch.logs ?? []).map((l) => l.jobId)]);
    for (const other of this.inFlight) for (const id of ids) if (other.has(id)) this.shared.push(id);
    this.inFlight.add(ids);
    this.writes++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight.size);
    try {
      // A write that takes a while, as a round trip to Redis does: the next batch builds up meanwhile.
      await new Promise((r) => setTimeout(r, 10));
      await super.write(batch);
    } finally {
      this.inFlight.delete(ids);
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

const noop = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'noop', parameters: { i } }));
/** Jobs that report progress and log lines every millisecond: their consecutive writes share jobs. */
const reporting = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'progress', parameters: { steps: 3, stepMs: 1, i } }));

async function drain(overlappingWrites: boolean, submissions: Array<{ type: string; parameters: Record<string, unknown> }>): Promise<RecordingBackend> {
  dir = makeTempDir('jh-overlap-writes-');
  const backend = new RecordingBackend(join(dir, 'jobs.db'), overlappingWrites);
  manager = await JobManager.open({ config: testConfig(dir, { workers: { min: 2, max: 2, concurrency: 20 } }), backend });
  const jobs = await manager.submitJobs(submissions);
  await manager.start();
  await expect.poll(async () => (await backend.countByStatus()).counts.completed, { timeout: 30_000, interval: 50 }).toBe(jobs.length);
  await manager.stop();
  for (const j of jobs) {
    const stored = await manager.getJob(j.id);
    expect(stored?.status).toBe('completed');
    expect(stored?.progress).toBe(100);
  }
  expect(backend.inFlight.size).toBe(0);
  return backend;
}

it('keeps two writes in flight on a backend that allows it, no more', async () => {
  const backend = await drain(true, noop(400));
  expect(backend.maxInFlight).toBe(2);
  expect(backend.shared).toEqual([]);
});

it('never has a job in two writes in flight: its progress and its outcome land in order', async () => {
  const backend = await drain(true, [...reporting(150), ...noop(150)]);
  expect(backend.shared).toEqual([]);
});

it('keeps one write in flight on a backend that does not declare overlappingWrites', async () => {
  const backend = await drain(false, noop(400));
  expect(backend.maxInFlight).toBe(1);
  expect(backend.writes).toBeGreaterThan(1);
});
