/** The original WorkerManager / WorkerPool API over real engines and worker processes. */
import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createWorkerManager, WorkerPool } from '../../../src/main/engine/worker-manager';
import { makeTempDir, testConfig, waitUntil } from '../../helpers/engine';
import { RESOURCE_HANDLERS, scriptedHost } from './resource-helpers';

describe('createWorkerManager / WorkerPool', () => {
  it('runs one auto-scaling engine per queue, with named workers, and stops them all', async () => {
    const dir = makeTempDir();
    try {
      const config = testConfig(dir, { handlers: RESOURCE_HANDLERS });
      const pool = new WorkerPool();
      const emails = createWorkerManager({ workerNamePrefix: 'mail', scalingConfig: { minWorkers: 1, maxWorkers: 2 }, config, governance: { hostSampler: scriptedHost() } });
      const reports = createWorkerManager({ workerNamePrefix: 'report', scalingConfig: { minWorkers: 1, maxWorkers: 2 }, config, governance: { hostSampler: scriptedHost() } });
      pool.addManager('emails', emails);
      pool.addManager('reports', reports);
      expect(() => pool.addManager('emails', emails)).toThrow(/already has a worker manager/);
      await pool.startAll();
      const client = emails.manager!;
      const a = await client.submitJob({ type: 'noop', queue: 'emails', parameters: {} });
      const b = await client.submitJob({ type: 'noop', queue: 'reports', parameters: {} });
      const [da, db] = await Promise.all([client.waitForJob(a.id, 20_000), client.waitForJob(b.id, 20_000)]);
      expect(da.worker).toMatch(/^mail-/);
      expect(db.worker).toMatch(/^report-/);
      expect(emails.manager!.governance!.autoScaler.status().enabled).toBe(true);
      await waitUntil(() => emails.listWorkers().length === 1, 'one mail worker');
      expect(emails.scale(2)).toBe(2);
      await waitUntil(() => emails.listWorkers().filter((w) => w.state === 'idle').length === 2, 'two mail workers', 20_000);
      await pool.stopAll();
      expect(emails.manager).toBeNull();
      expect(reports.listWorkers()).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
