/**
 * Vitest global setup: the Redis servers the Redis suites run against.
 *
 * - REDIS_URL set → that server is the single node (it is shared: tests use unique prefixes and
 *   never flush); JOBHANDLE_TEST_REDIS_CLUSTER (host:port,…) names a cluster to use likewise.
 * - Otherwise, when `redis-server` is installed, a throw-away single node and a 3-master cluster
 *   are started on free loopback ports and stopped at teardown.
 * - Without `redis-server`, the Redis suites skip, and this prints ONE loud line saying so.
 *
 * Tests read the addresses with `inject('redis')`.
 */
import type { TestProject } from 'vitest/node';
import { findRedisServer, startRedisCluster, startRedisServer } from '../helpers/redis-server';

export interface ProvidedRedis {
  /** redis:// URL of a single node, or null (skip). */
  single: string | null;
  /** Seed nodes of a 3-master cluster, or null (skip). */
  cluster: string[] | null;
  /** Whether tests may start their own throw-away servers (redis-server installed). */
  canSpawn: boolean;
  /** Why suites are skipped, when they are. */
  skipReason: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    redis: ProvidedRedis;
  }
}

/** Start (or find) the servers, provide their addresses; returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const binary = findRedisServer();
  const cleanups: Array<() => Promise<void>> = [];
  const provided: ProvidedRedis = { single: null, cluster: null, canSpawn: binary !== null, skipReason: null };
  const envCluster = process.env.JOBHANDLE_TEST_REDIS_CLUSTER?.split(',').map((s) => s.trim()).filter(Boolean);
  try {
    if (process.env.REDIS_URL) provided.single = process.env.REDIS_URL;
    else if (binary) {
      const single = await startRedisServer();
      cleanups.push(() => single.destroy());
      provided.single = single.url;
    }
    if (envCluster?.length) provided.cluster = envCluster;
    else if (binary) {
      const cluster = await startRedisCluster();
      cleanups.push(() => cluster.destroy());
      provided.cluster = cluster.nodes;
    }
  } catch (err) {
    provided.skipReason = `could not start redis-server: ${(err as Error).message}`;
  }
  if (!binary && !process.env.REDIS_URL) provided.skipReason = 'redis-server is not installed and REDIS_URL is not set';
  if (provided.skipReason || !provided.single || !provided.cluster) {
    const what = [!provided.single && 'single-node', !provided.cluster && 'cluster'].filter(Boolean).join(' and ');
    console.warn(
      `\n!!!!!! REDIS SUITES SKIPPED (${what}): ${provided.skipReason ?? 'no server'} — install redis-server (.ci/run does) !!!!!!\n`,
    );
  }
  project.provide('redis', provided);
  return async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
}
