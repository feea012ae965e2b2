/**
 * Throw-away `redis-server` processes for tests: a single node (optionally with an append-only
 * file so that it can be restarted without losing data) and a 3-master cluster, on free loopback
 * ports in a temp directory. Never touches the shared instance on 6379.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The path of `redis-server` on PATH, or null when it is not installed. */
export function findRedisServer(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path ? path : null;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A free loopback port whose cluster-bus port (+10000) is free too. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    if ((await portFree(port)) && (await portFree(port + 10_000))) return port;
  }
  throw new Error('no free loopback port found for redis-server');
}

/** Run `redis-cli` against a port; returns stdout (throws on a non-zero exit). */
export function redisCli(port: number, ...args: string[]): string {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`redis-cli ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  return r.stdout;
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pingOk(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

export interface RedisServerHandle {
  port: number;
  url: string;
  dir: string;
  /** Stop the process (SIGTERM: an append-only instance fsyncs first). */
  stop(): Promise<void>;
  /** Start it again on the same port and directory (data kept when `persistent`). */
  start(): Promise<void>;
  /** Stop and remove the directory. */
  destroy(): Promise<void>;
}

/** Start a single throw-away node; `persistent` keeps an append-only file so restarts keep data. */
export async function startRedisServer(options: { persistent?: boolean; port?: number } = {}): Promise<RedisServerHandle> {
  const port = options.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'jobhandle-redis-'));
  let child: ChildProcess | null = null;
  const args = [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
    '--appendonly', options.persistent ? 'yes' : 'no', '--appendfsync', 'always', '--protected-mode', 'no',
  ];
  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    async start() {
      child = spawn('redis-server', args, { stdio: 'ignore' });
      await waitFor(`redis-server on port ${port}`, () => pingOk(port));
      // Loading an append-only file answers LOADING until done.
      await waitFor(`redis-server on port ${port} to load its data`, () => !/loading:1/.test(redisCli(port, 'info', 'persistence')));
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
      });
    },
    async destroy() {
      await handle.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}

export interface RedisClusterHandle {
  /** Seed nodes as host:port. */
  nodes: string[];
  destroy(): Promise<void>;
}

/** Start 3 masters, join them with `redis-cli --cluster create`, wait for cluster_state:ok. */
export async function startRedisCluster(): Promise<RedisClusterHandle> {
  const dir = mkdtempSync(join(tmpdir(), 'jobhandle-redis-cluster-'));
  const ports: number[] = [];
  while (ports.length < 3) {
    const p = await freePort();
    if (!ports.includes(p)) ports.push(p);
  }
  const children = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`, '--cluster-node-timeout', '5000',
        '--protected-mode', 'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const destroy = async () => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const p of ports) await waitFor(`cluster node on port ${p}`, () => pingOk(p));
    redisCli(ports[0]!, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-yes');
    await waitFor('cluster_state:ok', () => ports.every((p) => /cluster_state:ok/.test(redisCli(p, 'cluster', 'info'))), 30_000);
  } catch (err) {
    await destroy();
    throw err;
  }
  return { nodes: ports.map((p) => `127.0.0.1:${p}`), destroy };
}
