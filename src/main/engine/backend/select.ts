/**
 * Choose the store from the Config: the local SQLite file by default. The Redis backend is
 * selected by `backend: redis`, or by `auto` when REDIS_URL is set and reachable.
 */
import { AppError } from '../../../shared/errors';
import type { Config } from '../config';
import type { QueueBackend } from './queue-backend';
import { SqliteBackend } from './sqlite/sqlite-backend';
import { RedisBackend } from './redis/redis-backend';

/** How long `auto` waits for Redis before it falls back to SQLite (ms). */
const AUTO_PROBE_MS = 3000;

export interface SelectedBackend {
  backend: QueueBackend;
  /** Why the choice differs from what the settings asked for, for the health check. */
  warning: string | null;
}

/**
 * The backend the config asks for. `redis` without an address throws CONFIG; `auto` with an
 * address that does not answer within AUTO_PROBE_MS falls back to SQLite with a warning.
 */
export async function createBackend(config: Config): Promise<SelectedBackend> {
  const sqlite = () =>
    new SqliteBackend({
      path: config.dbPath,
      durability: config.durability,
      storeThread: config.sqliteStoreThread,
      ...(config.sqliteNativeBinding ? { nativeBinding: config.sqliteNativeBinding } : {}),
    });
  const wantsRedis = Boolean(config.redis.url || config.redis.cluster?.length);
  const redis = (timeoutMs?: number) =>
    new RedisBackend({
      ...(config.redis.cluster?.length ? { cluster: config.redis.cluster } : { url: config.redis.url ?? undefined }),
      prefix: config.redis.prefix,
      defaults: {
        maxRetries: config.jobs.maxRetries,
        retryDelaySeconds: config.jobs.retryDelaySeconds,
        timeoutSeconds: config.jobs.defaultTimeoutSeconds,
      },
      ...(timeoutMs ? { timeoutMs } : {}),
    });
  if (config.backend === 'redis') {
    if (!wantsRedis) {
      throw new AppError('CONFIG', 'backend "redis" needs a Redis address: set REDIS_URL (or --redis URL) or --cluster host:port,…');
    }
    return { backend: redis(), warning: null };
  }
  if (config.backend === 'auto' && wantsRedis) {
    // As the original manager did: Redis when it answers within a few seconds, else the local file.
    let backend: RedisBackend | null = null;
    try {
      backend = redis(AUTO_PROBE_MS);
      await backend.open();
      return { backend, warning: null };
    } catch (err) {
      await backend?.close().catch(() => undefined);
      return {
        backend: sqlite(),
        warning: `REDIS_URL is set but Redis could not be used (${(err as Error).message}); jobs are kept in the local SQLite file ${config.dbPath}. Start Redis or pass --backend sqlite to silence this`,
      };
    }
  }
  return { backend: sqlite(), warning: null };
}
