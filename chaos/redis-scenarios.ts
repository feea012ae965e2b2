/**
 * Redis faults: a dedicated redis-server (append-only, fsync always; never the shared 6379)
 * restarted mid-run; every normal client connection dropped (CLIENT KILL TYPE normal); and in a
 * 6-node cluster (3 masters, 3 replicas) the master owning the queue's slot killed with SIGKILL,
 * its replica promoted by the cluster (failover), the old master restarted as a replica.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findRedisServer, freePort, redisCli, startRedisServer, type RedisServerHandle } from '../tests/helpers/redis-server';
import { RedisBackend } from '../src/main/engine/backend/redis/redis-backend';
import type { StoreAddress } from './chaos-config';
import type { EngineProcess } from './engine-process';
import { faultTrial } from './process-scenarios';
import { between, pause, trialDir, type Scenario, type TrialContext, type TrialResult } from './trial';

const SHAPE = { workers: 2, concurrency: 4 };
const needRedis = () => (findRedisServer() ? null : 'redis-server is not installed');

async function removePrefix(addr: { url?: string; cluster?: string[]; prefix: string }): Promise<void> {
  const b = new RedisBackend(addr);
  await b.open();
  try {
    await b.removeAllData();
  } finally {
    await b.close();
  }
}

/**
 * How long a Redis trial waits for every job to finish after the fault. A write that the dying
 * master acknowledged but did not pass to its replica is lost by Redis (docs/reliability.md): its
 * job is still active on the new master, locked, and comes back through BullMQ's stalled-job check
 * once the lock expires: up to 30 s (lock) + 60 s (two checks, 30 s apart), then it runs again.
 * 90 s, the window of the other scenarios, was exactly that worst case, with no room for a loaded
 * machine.
 */
const REDIS_SETTLE_MS = 150_000;

async function redisTrial(
  ctx: TrialContext,
  name: string,
  addr: { url?: string; cluster?: string[] },
  fault: (notes: string[]) => Promise<void>,
): Promise<TrialResult> {
  const dir = trialDir(name);
  const prefix = `chaos-${name}-${ctx.trial}-${Math.floor(ctx.random() * 1e9).toString(36)}`;
  const store: StoreAddress = { dataDir: dir, redis: { ...addr, prefix } };
  try {
    return await faultTrial(
      ctx,
      store,
      join(dir, 'ledger.log'),
      async (engine: EngineProcess, notes) => {
        await fault(notes);
        return engine;
      },
      SHAPE,
      REDIS_SETTLE_MS,
    );
  } finally {
    await removePrefix({ ...addr, prefix }).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}

function singleNodeScenario(name: string, fault: (server: RedisServerHandle, ctx: TrialContext, notes: string[]) => Promise<void>): Scenario {
  let server: RedisServerHandle | null = null;
  return {
    name,
    unavailable: needRedis,
    setup: async () => {
      server = await startRedisServer({ persistent: true });
      return async () => {
        await server?.destroy();
        server = null;
      };
    },
    run: (ctx) => redisTrial(ctx, name, { url: server!.url }, (notes) => fault(server!, ctx, notes)),
  };
}

/** Restart the dedicated server: down for 0.1–2 s. */
const restartServer = singleNodeScenario('redis-restart', async (server, ctx) => {
  await server.stop();
  await pause(between(ctx.random, 100, 2000));
  await server.start();
});

/** Drop every normal client connection once or twice. */
const dropConnections = singleNodeScenario('redis-client-kill', async (server, ctx, notes) => {
  const times = between(ctx.random, 1, 2);
  for (let i = 0; i < times; i++) {
    const killed = Number(redisCli(server.port, 'CLIENT', 'KILL', 'TYPE', 'normal').trim()) || 0;
    if (i === 0 && killed === 0) notes.push('CLIENT KILL found no connection');
    if (i + 1 < times) await pause(between(ctx.random, 50, 500));
  }
});

/* ------------------------------------------------------------------ 6-node cluster */

interface ClusterNode {
  port: number;
  child: ChildProcess | null;
}

interface SixNodeCluster {
  nodes: ClusterNode[];
  dir: string;
  start(node: ClusterNode): void;
  destroy(): Promise<void>;
}

function pingOk(port: number): boolean {
  const r = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8', timeout: 2000 });
  return r.status === 0 && r.stdout.trim() === 'PONG';
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await pause(100);
  }
}

function clusterOk(ports: number[]): boolean {
  return ports.every((p) => {
    try {
      return /cluster_state:ok/.test(redisCli(p, 'cluster', 'info'));
    } catch {
      return false;
    }
  });
}

/** Start 6 nodes and create a cluster with one replica per master (node timeout 2 s). */
async function startSixNodeCluster(): Promise<SixNodeCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'jobhandle-chaos-cluster-'));
  const nodes: ClusterNode[] = [];
  while (nodes.length < 6) {
    const p = await freePort();
    if (!nodes.some((n) => n.port === p)) nodes.push({ port: p, child: null });
  }
  const start = (node: ClusterNode) => {
    node.child = spawn(
      'redis-server',
      [
        '--port', String(node.port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'yes',
        '--appendfilename', `aof-${node.port}.aof`, '--appenddirname', `aof-${node.port}`, '--appendfsync', 'always',
        '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${node.port}.conf`, '--cluster-node-timeout', '2000',
        '--cluster-replica-validity-factor', '0', '--protected-mode', 'no',
      ],
      { stdio: 'ignore' },
    );
  };
  const destroy = async () => {
    await Promise.all(
      nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            const c = n.child;
            if (!c || c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    nodes.forEach(start);
    for (const n of nodes) await waitFor(`cluster node ${n.port}`, () => pingOk(n.port));
    redisCli(nodes[0]!.port, '--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '1', '--cluster-yes');
    await waitFor('cluster_state:ok', () => clusterOk(nodes.map((n) => n.port)));
    await waitFor('replicas in sync', () => nodes.filter((n) => replicaInSync(n.port)).length === 3);
  } catch (err) {
    await destroy();
    throw err;
  }
  return { nodes, dir, start, destroy };
}

/** Is the node on `port` a replica whose link to its master is up? */
function replicaInSync(port: number): boolean {
  try {
    const info = redisCli(port, 'info', 'replication');
    return /role:slave/.test(info) && /master_link_status:up/.test(info);
  } catch {
    return false;
  }
}

/** The live master nodes (ports) and, for each, whether it has a connected replica. */
function masters(cluster: SixNodeCluster): number[] {
  const alive = cluster.nodes.find((n) => n.child && n.child.exitCode === null && n.child.signalCode === null && pingOk(n.port));
  if (!alive) return [];
  const text = redisCli(alive.port, 'cluster', 'nodes');
  return text
    .split('\n')
    .filter((l) => /\bmaster\b/.test(l) && !/(^|[ ,])fail\??([ ,]|$)/.test(l) && / connected /.test(` ${l} `) && l.split(' ').length > 8)
    .map((l) => Number(/:(\d+)@/.exec(l)?.[1]))
    .filter((p) => Number.isFinite(p));
}

const clusterFailover = ((): Scenario => {
  let cluster: SixNodeCluster | null = null;
  return {
    name: 'redis-cluster-failover',
    unavailable: needRedis,
    setup: async () => {
      cluster = await startSixNodeCluster();
      return async () => {
        await cluster?.destroy();
        cluster = null;
      };
    },
    run: (ctx) => {
      const c = cluster!;
      const seeds = c.nodes.map((n) => `127.0.0.1:${n.port}`);
      return redisTrial(ctx, 'redis-cluster-failover', { cluster: seeds }, async (notes) => {
        // The queue's keys share one {hashtag} slot, but BullMQ and the engine touch several
        // keys: kill a random master (one that has keys of this run is likely but not required).
        const ms = masters(c);
        const port = ms[Math.floor(ctx.random() * ms.length)];
        const victim = c.nodes.find((n) => n.port === port);
        if (!victim?.child) {
          notes.push('no master to kill');
          return;
        }
        const exited = new Promise<void>((r) => victim.child!.once('exit', () => r()));
        victim.child.kill('SIGKILL');
        await exited;
        victim.child = null;
        const t0 = Date.now();
        const others = c.nodes.filter((n) => n !== victim).map((n) => n.port);
        await waitFor(
          'failover (a replica promoted, cluster_state:ok)',
          () => {
            const now = masters(c);
            return now.length === 3 && !now.includes(victim.port) && clusterOk(others);
          },
          60_000,
        );
        notes.push(`failover in ${Math.round((Date.now() - t0) / 100) / 10} s`);
        // Bring the old master back; it rejoins as a replica of the promoted one.
        c.start(victim);
        await waitFor(`node ${victim.port} back as a replica in sync`, () => pingOk(victim.port) && replicaInSync(victim.port), 60_000);
      });
    },
  };
})();

/** The Redis scenarios (skipped with a reason when redis-server is missing). */
export const REDIS_SCENARIOS: Scenario[] = [restartServer, dropConnections, clusterFailover];
