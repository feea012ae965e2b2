/**
 * Where declared rate pools persist, so that `jobhandle pools set` in one process reaches the
 * engine in another: a small port. SQLite keeps them in the `rate_pools` table (migration 4);
 * with Redis the pools will be shared through Redis later — that adapter implements this port.
 */
import type { QueueBackend } from '../backend/queue-backend';
import { SqliteBackend } from '../backend/sqlite/sqlite-backend';
import { SqliteRatePoolStore } from '../backend/sqlite/sqlite-rate-pool-store';

export interface StoredRatePool {
  name: string;
  perMinute: number;
  burst: number;
  updatedAt: number;
}

export interface RatePoolStore {
  /** Every stored pool, by name. */
  list(): Promise<StoredRatePool[]>;
  /** Insert or replace one pool. */
  save(pool: StoredRatePool): Promise<void>;
}

/** Pools kept in memory only (a backend without a pool table yet). */
export class MemoryRatePoolStore implements RatePoolStore {
  private readonly pools = new Map<string, StoredRatePool>();
  async list(): Promise<StoredRatePool[]> {
    return [...this.pools.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
  async save(pool: StoredRatePool): Promise<void> {
    this.pools.set(pool.name, { ...pool });
  }
}

/** The pool store of a backend: its table for SQLite, memory otherwise (for now). */
export function ratePoolStoreFor(backend: QueueBackend): RatePoolStore {
  if (backend instanceof SqliteBackend) return new SqliteRatePoolStore(backend.database);
  if (backend.sharedRatePools) return backend.sharedRatePools;
  return new MemoryRatePoolStore();
}
