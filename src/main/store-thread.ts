/**
 * Entry of the SQLite store thread (a worker thread of the engine's process): a second connection
 * to the engine's file that runs the dispatcher's claims and outcome writes. See
 * engine/backend/sqlite/sqlite-store-thread.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { SqliteBackend } from './engine/backend/sqlite/sqlite-backend';
import { serveStoreThread, type StoreThreadData } from './engine/backend/sqlite/sqlite-store-thread';

const data = workerData as StoreThreadData;
if (!parentPort) throw new Error('the store thread is started by the engine, not by hand');
void serveStoreThread(parentPort, async () => {
  const backend = new SqliteBackend(data);
  await backend.open();
  if (data.noAutoCheckpoint) backend.database.pragma('wal_autocheckpoint = 0');
  return backend;
});
