/**
 * The engine's WAL checkpoints run in a background thread: with the automatic checkpoint off on
 * the engine's connection, the thread still moves the WAL into the database, and truncates the
 * WAL when the store closes.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteBackend } from '../../../src/main/engine/backend/sqlite/sqlite-backend';
import { newJob } from '../../helpers/new-job';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('checkpoints in the background and truncates the WAL on close', async () => {
  dir = mkdtempSync(join(tmpdir(), 'jh-wal-'));
  const path = join(dir, 'jobs.db');
  const backend = new SqliteBackend({ path });
  await backend.open();
  await backend.startEngineUpkeep();
  expect(backend.database.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  const now = Date.now();
  for (let b = 0; b < 10; b++) {
    await backend.insertJobs(
      Array.from({ length: 500 }, (_, i) => newJob(now, { parameters: { i, pad: 'x'.repeat(200) }, maxRetries: 0, retryDelaySeconds: 0 })),
    );
  }
  // The thread checkpoints every second: the WAL's frames reach the database file.
  const dbSizeBefore = statSync(path).size;
  await expect.poll(() => statSync(path).size, { timeout: 10_000, interval: 200 }).toBeGreaterThan(dbSizeBefore);
  await backend.close();
  expect(statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0).toBe(0);
});
