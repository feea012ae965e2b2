/**
 * The store options every command takes: `--redis URL`, `--cluster host:port,host:port` and
 * `--backend sqlite|redis|auto`. An address given on the command line means Redis unless
 * `--backend` says otherwise.
 */
import type { SettingsFile } from '../engine/config';
import { UsageError } from './cli-args';

const BACKENDS = ['auto', 'sqlite', 'redis'] as const;

/** Settings overrides from the store options. Throws UsageError naming the option. */
export function backendOverrides(values: Record<string, unknown>): SettingsFile {
  const out: SettingsFile = {};
  const redis: NonNullable<SettingsFile['redis']> = {};
  if (values.redis !== undefined) {
    const url = String(values.redis);
    if (!/^rediss?:\/\/\S+$/.test(url)) throw new UsageError(`--redis ${JSON.stringify(url)}: expected a redis:// or rediss:// URL`);
    redis.url = url;
  }
  if (values.cluster !== undefined) {
    const nodes = String(values.cluster).split(',').map((s) => s.trim()).filter(Boolean);
    const bad = nodes.find((n) => !/^[^\s:/]+:\d{1,5}$/.test(n) && !/^rediss?:\/\/\S+$/.test(n));
    if (!nodes.length || bad !== undefined) {
      throw new UsageError(`--cluster ${JSON.stringify(String(values.cluster))}: expected host:port,host:port (seed nodes)${bad ? `; "${bad}" is not host:port` : ''}`);
    }
    redis.cluster = nodes;
  }
  if (redis.url || redis.cluster) {
    out.redis = redis;
    out.backend = 'redis';
  }
  if (values.backend !== undefined) {
    const b = String(values.backend);
    if (!(BACKENDS as readonly string[]).includes(b)) throw new UsageError(`--backend ${JSON.stringify(b)}: expected one of ${BACKENDS.join(', ')}`);
    out.backend = b as (typeof BACKENDS)[number];
  }
  return out;
}

/** Help lines for the store options. */
export const BACKEND_OPTIONS_HELP = [
  '  --redis URL      use Redis (redis://[user:password@]host:port/db, rediss:// for TLS)',
  '  --cluster NODES  use a Redis Cluster: seed nodes host:port,host:port',
  '  --backend B      sqlite, redis or auto (default auto: Redis when REDIS_URL answers, else SQLite)',
];
