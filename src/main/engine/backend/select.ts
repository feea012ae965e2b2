/**
 * Choose the store from the Config: the local SQLite file by default. The Redis backend is
 * selected by `backend: redis`, or by `auto` when REDIS_URL is set and reachable.
 */
import { AppError } from '../../../shared/errors';
import type { Config } from '../config';
import type { QueueBackend } from './queue-backend';
import { SqliteBackend } from './sqlite/sqlite-backend';

export interface SelectedBackend {
  backend: QueueBackend;
  /** Why the choice differs from what the settings asked for, for the health check. */
  warning: string | null;
}

export async function createBackend(config: Config): Promise<SelectedBackend> {
  const sqlite = () => new SqliteBackend({ path: config.dbPath, durability: config.durability });
  if (config.backend === 'redis') {
    throw new AppError('CONFIG', 'backend "redis" is not available in this version; use "sqlite" or "auto"');
  }
  if (config.backend === 'auto' && (config.redis.url || config.redis.cluster)) {
    return {
      backend: sqlite(),
      warning: 'REDIS_URL is set but this version has no Redis backend; jobs are kept in the local SQLite file',
    };
  }
  return { backend: sqlite(), warning: null };
}
