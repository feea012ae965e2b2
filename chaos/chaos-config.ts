/**
 * Engine settings for the chaos and soak harnesses: a database in a scenario's directory (or a
 * Redis prefix), the ledger handler of tests/fixtures/chaos, fixed worker counts, retries without
 * delay and host backpressure off (the harness loads the machine on purpose).
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config, type SettingsFile } from '../src/main/engine/config';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LEDGER_HANDLER = join(REPO_ROOT, 'tests/fixtures/chaos/ledger-job.mjs');

/** Where an engine of a scenario keeps its jobs. */
export interface StoreAddress {
  /** Data directory (SQLite file `jobhandle.db` inside, unless `dbPath`). */
  dataDir: string;
  dbPath?: string;
  /** Redis instead of SQLite. */
  redis?: { url?: string; cluster?: string[]; prefix: string };
}

export interface EngineShape {
  workers: number;
  concurrency: number;
  maxRetries?: number;
  shutdownGraceSeconds?: number;
}

/**
 * The Config of an engine (or a client) on `store`. Inputs: the store and the pool shape.
 * Output: a validated Config; the process env is ignored. Errors: AppError CONFIG (bad input).
 */
export function chaosConfig(store: StoreAddress, shape: EngineShape = { workers: 2, concurrency: 4 }): Config {
  const settings: SettingsFile = {
    workers: { min: shape.workers, max: shape.workers, concurrency: shape.concurrency },
    resources: { autoScale: false },
    jobs: { retryDelaySeconds: 0, maxRetries: shape.maxRetries ?? 5, defaultTimeoutSeconds: 120 },
    cancelGraceSeconds: 1,
    shutdownGraceSeconds: shape.shutdownGraceSeconds ?? 1,
    thresholds: { cpuPercent: 100, memoryPercent: 100 },
    handlers: { ledger: { module: LEDGER_HANDLER } },
    ...(store.dbPath ? { dbPath: store.dbPath } : {}),
    ...(store.redis
      ? {
          backend: 'redis' as const,
          redis: { ...(store.redis.cluster ? { cluster: store.redis.cluster } : { url: store.redis.url! }), prefix: store.redis.prefix },
        }
      : { backend: 'sqlite' as const }),
  };
  return loadConfig({ env: { JOBHANDLE_DATA_DIR: store.dataDir }, overrides: settings });
}
