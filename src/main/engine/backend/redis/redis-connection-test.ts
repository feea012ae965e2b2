/**
 * "Test connection" for Redis (single node or cluster) before a user switches to it: connects
 * with no retries within a deadline and says in plain words what is wrong — DNS, refused,
 * timeout, authentication, TLS, cluster state — or what works (server version, eviction policy,
 * cluster size). Uses this folder's connection helpers; a throw-away client, always disconnected.
 */
import { AppError } from '../../../../shared/errors';
import type { ConnectionTestResult } from '../../../../shared/contract';
import { createRedisClient, parseRedisTarget, type ParsedRedisTarget, type RedisClient } from './redis-connection';

export interface RedisTestTarget {
  url?: string;
  cluster?: readonly string[];
  timeoutMs: number;
}

/** A connection error in plain words. */
export function explainRedisError(err: unknown, location: string): string {
  const e = err as NodeJS.ErrnoException & { message?: string };
  const text = `${e.code ?? ''} ${e.message ?? String(err)}`;
  if (/ENOTFOUND|EAI_AGAIN|EAI_NONAME/.test(text)) return `the host name of ${location} cannot be resolved (DNS): check the spelling, or use an IP address`;
  if (/ECONNREFUSED/.test(text)) return `${location} refused the connection: no Redis is listening there (is it started, and on this port?)`;
  if (/ETIMEDOUT|timed out|no answer within|ECONNRESET.*timeout/i.test(text)) return `${location} did not answer in time: a firewall, a wrong address, or the server is overloaded`;
  if (/NOAUTH|WRONGPASS|invalid username-password|AUTH.*(failed|without any password)/i.test(text)) {
    return `${location} refused the credentials: check the user and password in the URL (redis://user:password@host:port)`;
  }
  if (/TLS|SSL|certificate|EPROTO|wrong version number|ERR_SSL|self.signed/i.test(text)) {
    return `the TLS handshake with ${location} failed (${e.message ?? text}): use rediss:// only for a TLS port, redis:// otherwise, and check the certificate`;
  }
  if (/ECONNRESET|EPIPE|Connection is closed/i.test(text)) return `${location} closed the connection: is it a Redis server (and TLS where it expects TLS)?`;
  return `${location}: ${e.message ?? String(err)}`;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code: 'ETIMEDOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** A client that never retries; `lastError` keeps the socket error ioredis emits (connect() only says "Connection is closed"). */
function probeClient(target: ParsedRedisTarget, timeoutMs: number): { client: RedisClient; lastError: () => unknown } {
  const client = createRedisClient(target, { retryStrategy: () => null, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, reconnectOnError: () => false });
  let last: unknown = null;
  client.on('error', (err: unknown) => {
    last = err;
  });
  return { client, lastError: () => last };
}

function sentence(text: string): string {
  return /[.?!]$/.test(text) ? text : `${text}.`;
}

function infoField(info: string, name: string): string | null {
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? null;
}

/**
 * Test the Redis target. Output: ok with latency and details (mode, location, redisVersion,
 * maxmemoryPolicy, clusterState…), or not ok with what is wrong. Never throws.
 */
export async function testRedisConnection(input: RedisTestTarget): Promise<ConnectionTestResult> {
  const started = performance.now();
  const details: Record<string, unknown> = {};
  const elapsed = () => Math.round((performance.now() - started) * 10) / 10;
  let target: ParsedRedisTarget;
  try {
    target = parseRedisTarget({ ...(input.cluster?.length ? { cluster: input.cluster } : {}), ...(input.url ? { url: input.url } : {}) });
  } catch (err) {
    return { ok: false, latencyMs: null, message: err instanceof AppError ? err.message : String(err), details };
  }
  details['mode'] = target.mode;
  details['location'] = target.location;
  const probe = probeClient(target, input.timeoutMs);
  const client = probe.client;
  try {
    await withTimeout(client.connect(), input.timeoutMs);
    const pingStart = performance.now();
    await withTimeout(client.ping(), input.timeoutMs);
    const latencyMs = Math.round((performance.now() - pingStart) * 10) / 10;
    const info = await withTimeout(client.info('server') as Promise<string>, input.timeoutMs);
    details['redisVersion'] = infoField(info, 'redis_version');
    const memory = await withTimeout(client.info('memory') as Promise<string>, input.timeoutMs).catch(() => '');
    const policy = infoField(memory, 'maxmemory_policy');
    details['maxmemoryPolicy'] = policy;
    const warnings: string[] = [];
    if (policy && policy !== 'noeviction') warnings.push(`maxmemory-policy is ${policy}: set it to noeviction, or Redis may evict jobs`);
    if (target.mode === 'cluster') {
      const clusterInfo = String(await withTimeout((client as { cluster(sub: 'INFO'): Promise<unknown> }).cluster('INFO'), input.timeoutMs));
      const state = infoField(clusterInfo, 'cluster_state');
      details['clusterState'] = state;
      details['clusterKnownNodes'] = Number(infoField(clusterInfo, 'cluster_known_nodes') ?? NaN);
      details['clusterSize'] = Number(infoField(clusterInfo, 'cluster_size') ?? NaN);
      details['slotsAssigned'] = Number(infoField(clusterInfo, 'cluster_slots_assigned') ?? NaN);
      if (state !== 'ok') {
        return { ok: false, latencyMs, message: `the cluster at ${target.location} is in state "${state}": not every slot is served (slots assigned: ${String(details['slotsAssigned'])} of 16384); fix the cluster first`, details };
      }
    }
    const version = details['redisVersion'] ? `Redis ${String(details['redisVersion'])}` : 'Redis';
    return {
      ok: true,
      latencyMs,
      message: `Connected to ${version} at ${target.location}${target.mode === 'cluster' ? ` (cluster of ${String(details['clusterSize'])} masters)` : ''} in ${latencyMs} ms${warnings.length ? `; warning: ${warnings.join('; ')}` : ''}.`,
      details,
    };
  } catch (err) {
    const cause = /Connection is closed/i.test((err as Error).message ?? '') && probe.lastError() ? probe.lastError() : err;
    let reason = explainRedisError(cause, target.location);
    if (target.mode === 'cluster' && /None of startup nodes|refresh slots|Connection is closed/i.test((err as Error).message ?? '')) {
      // The cluster client hides the cause: ask the first seed node directly.
      const seed = target.nodes[0]!;
      const single = probeClient({ ...target, mode: 'single', options: { ...target.options, host: seed.host, port: seed.port }, nodes: [seed] }, input.timeoutMs);
      try {
        await withTimeout(single.client.connect(), input.timeoutMs);
        reason = `${target.location}: the seed nodes answer but the cluster client could not load the slot map (is it a cluster? CLUSTER INFO must say cluster_state:ok)`;
      } catch (seedErr) {
        reason = explainRedisError(single.lastError() ?? seedErr, `${seed.host}:${seed.port}`);
      } finally {
        single.client.disconnect();
      }
    }
    return { ok: false, latencyMs: null, message: sentence(`Cannot use Redis: ${reason}`), details: { ...details, elapsedMs: elapsed() } };
  } finally {
    client.disconnect();
  }
}
