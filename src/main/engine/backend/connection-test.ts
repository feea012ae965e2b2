/**
 * The `backend:testConnection` method: checks a SQLite file or a Redis target before the user
 * switches to it (sqlite/sqlite-connection-test.ts, redis/redis-connection-test.ts).
 */
import type { ConnectionTestResult } from '../../../shared/contract';
import type { Config } from '../config';
import { testRedisConnection } from './redis/redis-connection-test';
import { testSqliteFile } from './sqlite/sqlite-connection-test';

export interface ConnectionTestInput {
  backend: 'sqlite' | 'redis';
  url?: string | undefined;
  cluster?: string[] | undefined;
  dbPath?: string | undefined;
  timeoutMs: number;
}

/**
 * Test the backend described by `input`; missing addresses default to the running config's.
 * Output: ok, latency, a plain message, details. Never throws.
 */
export async function testBackendConnection(input: ConnectionTestInput, config: Config): Promise<ConnectionTestResult> {
  if (input.backend === 'sqlite') return testSqliteFile(input.dbPath ?? config.dbPath, config.sqliteNativeBinding);
  const cluster = input.cluster ?? (input.url ? undefined : (config.redis.cluster ?? undefined));
  const url = input.url ?? (cluster?.length ? undefined : (config.redis.url ?? undefined));
  if (!url && !cluster?.length) {
    return { ok: false, latencyMs: null, message: 'No Redis address given: enter a redis:// URL or cluster seed nodes (host:port).', details: {} };
  }
  return testRedisConnection({ ...(url ? { url } : {}), ...(cluster?.length ? { cluster } : {}), timeoutMs: input.timeoutMs });
}
