/** Helpers shared by the Redis suites: unique prefixes, engines on Redis, key clean-up. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { RedisBackend } from '../../../src/main/engine/backend/redis/redis-backend';
import type { SettingsFile } from '../../../src/main/engine/config';
import { HANDLERS_DIR, startEngine, type StartEngineOptions, type TestEngine } from '../../helpers/engine';

/** A key prefix no other test uses (tests never flush a shared Redis; they delete their own keys). */
export function uniqueRedisPrefix(): string {
  return `jhtest-${randomBytes(5).toString('hex')}`;
}

export interface RedisAddress {
  url?: string;
  cluster?: string[];
  prefix: string;
}

/** Settings that put an engine on Redis (plus the ledger handler). */
export function redisSettings(addr: RedisAddress, over: SettingsFile = {}): SettingsFile {
  return {
    // Host backpressure off: these tests are about the store, on a loaded 2-core machine.
    thresholds: { cpuPercent: 100, memoryPercent: 100 },
    ...over,
    backend: 'redis',
    redis: { ...(addr.cluster ? { cluster: addr.cluster } : { url: addr.url! }), prefix: addr.prefix },
    handlers: { ...over.handlers, ledger: { module: join(HANDLERS_DIR, 'ledger.mjs') } },
  };
}

/** A JobManager on Redis (started unless `start: false`). */
export function startRedisEngine(addr: RedisAddress, options: StartEngineOptions = {}): Promise<TestEngine> {
  return startEngine({ ...options, overrides: redisSettings(addr, options.overrides) });
}

/** Delete every key of `prefix` (never a flush). */
export async function removeRedisPrefix(addr: RedisAddress): Promise<void> {
  const b = new RedisBackend(addr);
  await b.open();
  try {
    await b.removeAllData();
  } finally {
    await b.close();
  }
}
