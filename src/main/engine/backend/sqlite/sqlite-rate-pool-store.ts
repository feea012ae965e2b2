/** Declared rate pools in the SQLite store's `rate_pools` table (migration 4). */
import type Database from 'better-sqlite3';
import type { RatePoolStore, StoredRatePool } from '../../governor/rate-pool-store';

export class SqliteRatePoolStore implements RatePoolStore {
  constructor(private readonly db: Database.Database) {}

  /** Every stored pool, by name. Errors: SQLite errors as thrown by better-sqlite3. */
  async list(): Promise<StoredRatePool[]> {
    const rows = this.db.prepare('SELECT name, per_minute, burst, updated_at FROM rate_pools ORDER BY name').all() as Array<{
      name: string;
      per_minute: number;
      burst: number;
      updated_at: number;
    }>;
    return rows.map((r) => ({ name: r.name, perMinute: r.per_minute, burst: r.burst, updatedAt: r.updated_at }));
  }

  /** Insert or replace one pool. */
  async save(pool: StoredRatePool): Promise<void> {
    this.db
      .prepare('INSERT OR REPLACE INTO rate_pools (name, per_minute, burst, updated_at) VALUES (?, ?, ?, ?)')
      .run(pool.name, pool.perMinute, pool.burst, pool.updatedAt);
  }
}
