/**
 * Redis connection settings: URLs (redis://, rediss:// with TLS, user, password, db number),
 * Redis Cluster seed nodes, and the key prefix. Parsed with URL; every error names the field.
 * The only files importing ioredis are in this folder.
 */
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import { AppError } from '../../../../shared/errors';

export interface RedisTarget {
  /** redis:// or rediss:// URL of a single node. */
  url?: string;
  /** Cluster seed nodes as host:port (a redis:// URL per node is accepted too). */
  cluster?: readonly string[];
  /** Key prefix (default `jobhandle`). JobHandle adds the `{hash tag}` itself. */
  prefix?: string;
  /** Extra ioredis options (tests, TLS certificates). `keyPrefix` is rejected. */
  redisOptions?: RedisOptions;
}

export interface ParsedRedisTarget {
  mode: 'single' | 'cluster';
  prefix: string;
  /** The address without its password, for logs and health. */
  location: string;
  options: RedisOptions;
  nodes: Array<{ host: string; port: number }>;
}

const PREFIX_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Parse a redis:// or rediss:// URL into ioredis options. Throws CONFIG naming `field`. */
export function parseRedisUrl(raw: string, field = 'redis.url'): { options: RedisOptions; location: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError('CONFIG', `${field} ${JSON.stringify(redact(raw))} is not a URL: expected redis://[user:password@]host[:port][/db]`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new AppError('CONFIG', `${field}: protocol "${url.protocol}" is not supported: expected redis:// or rediss://`);
  }
  if (!url.hostname) throw new AppError('CONFIG', `${field}: host is missing`);
  const port = url.port ? Number(url.port) : 6379;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new AppError('CONFIG', `${field}: port "${url.port}" is not a port number`);
  const dbText = url.pathname.replace(/^\//, '');
  if (dbText && !/^\d{1,2}$/.test(dbText)) {
    throw new AppError('CONFIG', `${field}: database "${dbText}" is not a database number (0–15, as /0 after the host)`);
  }
  const options: RedisOptions = {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port,
    ...(dbText ? { db: Number(dbText) } : {}),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: { servername: url.hostname } } : {}),
  };
  return { options, location: `${url.protocol}//${options.host}:${port}${dbText ? `/${dbText}` : ''}` };
}

function redact(raw: string): string {
  return raw.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@');
}

/** Validate the target. Throws CONFIG naming the field (url, cluster[i], prefix, keyPrefix). */
export function parseRedisTarget(target: RedisTarget): ParsedRedisTarget {
  const prefix = target.prefix ?? 'jobhandle';
  if (!PREFIX_RE.test(prefix)) {
    throw new AppError(
      'CONFIG',
      `redis.prefix ${JSON.stringify(prefix)} is invalid: expected letters, digits, "_", "-" or "." — no ":" and no "{hash tag}": ` +
        'JobHandle gives each queue its own tag, {prefix:queue}, so that queues spread over cluster slots',
    );
  }
  if (target.redisOptions && 'keyPrefix' in target.redisOptions && target.redisOptions.keyPrefix) {
    throw new AppError('CONFIG', 'ioredis keyPrefix is not supported (BullMQ cannot use it); set redis.prefix instead');
  }
  const base: RedisOptions = {
    maxRetriesPerRequest: null,
    connectTimeout: 5000,
    enableReadyCheck: true,
    lazyConnect: true,
    retryStrategy: (times) => Math.min(200 * times, 2000),
    ...target.redisOptions,
  };
  if (target.cluster?.length) {
    const nodes = target.cluster.map((node, i) => {
      const field = `redis.cluster[${i}]`;
      if (/^rediss?:\/\//.test(node)) {
        const { options } = parseRedisUrl(node, field);
        return { host: options.host!, port: options.port!, options };
      }
      const m = /^\[?([^\s\]]+?)\]?:(\d{1,5})$/.exec(node.trim());
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        throw new AppError('CONFIG', `${field} ${JSON.stringify(node)} is invalid: expected host:port`);
      }
      return { host: m[1]!, port: Number(m[2]), options: {} as RedisOptions };
    });
    const first = nodes[0]!.options;
    const options: RedisOptions = {
      ...base,
      ...(first.username ? { username: first.username } : {}),
      ...(first.password ? { password: first.password } : {}),
      ...(first.tls ? { tls: first.tls } : {}),
    };
    if (first.db) throw new AppError('CONFIG', 'redis.cluster: a Redis Cluster has only database 0; remove the /db from the node URL');
    return {
      mode: 'cluster',
      prefix,
      location: `redis-cluster://${nodes.map((n) => `${n.host}:${n.port}`).join(',')}`,
      options,
      nodes: nodes.map(({ host, port }) => ({ host, port })),
    };
  }
  if (!target.url) throw new AppError('CONFIG', 'redis: set redis.url (REDIS_URL, --redis) or redis.cluster (--cluster)');
  const { options, location } = parseRedisUrl(target.url);
  return { mode: 'single', prefix, location, options: { ...base, ...options }, nodes: [{ host: options.host!, port: options.port! }] };
}

export type RedisClient = Redis | Cluster;

/** A new (not yet connected: lazyConnect) client for the target. */
export function createRedisClient(target: ParsedRedisTarget, extra: RedisOptions = {}): RedisClient {
  if (target.mode === 'cluster') {
    const clusterOptions: ClusterOptions = {
      redisOptions: { ...target.options, ...extra },
      lazyConnect: true,
      enableReadyCheck: true,
      maxRedirections: 16,
      clusterRetryStrategy: (times) => Math.min(200 * times, 2000),
      ...(target.options.tls ? { dnsLookup: (address, callback) => callback(null, address) } : {}),
    };
    return new Cluster(target.nodes, clusterOptions);
  }
  return new Redis({ ...target.options, ...extra });
}

/** Run `op`, failing with BACKEND_UNAVAILABLE after `ms` or when the client is not connected. */
export async function withDeadline<T>(client: RedisClient, location: string, ms: number, op: () => Promise<T>): Promise<T> {
  if (client.status !== 'ready') {
    throw new AppError('BACKEND_UNAVAILABLE', `Redis at ${location} is not reachable (connection ${client.status})`);
  }
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      op(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new AppError('BACKEND_UNAVAILABLE', `Redis at ${location} did not answer within ${ms / 1000} s`)),
          ms,
        );
      }),
    ]);
  } catch (err) {
    if (err instanceof AppError) throw err;
    throw new AppError('BACKEND_UNAVAILABLE', `Redis at ${location}: ${(err as Error).message}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

/** Connect within `ms`; throws BACKEND_UNAVAILABLE naming the address. */
export async function connectWithin(client: RedisClient, location: string, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect().then(() => client.ping()),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
      }),
    ]);
  } catch (err) {
    client.disconnect();
    throw new AppError('BACKEND_UNAVAILABLE', `cannot connect to Redis at ${location}: ${(err as Error).message}`);
  } finally {
    if (timer) clearTimeout(timer);
  }
}
