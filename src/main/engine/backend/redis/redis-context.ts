/**
 * What the Redis backend's parts share: the client, key names, BullMQ Queue objects, and the one
 * read that tells a job's state (a MULTI per queue: the job hash plus membership of every state).
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { RedisClient } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import type { ScriptedClient } from './redis-scripts';
import { toRecord, type BullState, type JobDefaults } from './redis-job-codec';
import type { JobRecord } from '../../../../shared/model';

/** A MULTI of the claim and outcome paths: BullMQ's scripts are queued by BullMQ's `execCommand`, which calls `runCommand`. */
export interface HotTransaction {
  runCommand(name: string, args: unknown[]): HotTransaction;
  jhSettle(...args: string[]): unknown;
  jhSettleMany(...args: string[]): unknown;
  jhClaimHead(...args: string[]): unknown;
  jhFinishMany(...args: unknown[]): unknown;
  exec(): Promise<Array<[Error | null, unknown]> | null>;
}

/** A pipeline of JobHandle's scripts: each queues its call; `exec` gives a [error, reply] per call. */
export type ScriptPipeline = { [K in keyof ScriptedClient]: (...args: Parameters<ScriptedClient[K]>) => void } & {
  exec(): Promise<Array<[Error | null, unknown]> | null>;
};

/** JobHandle's scripts queued on a HotTransaction (BullMQ's come through `runCommand`). */
const HOT_JH_SCRIPTS = ['jhSettle', 'jhSettleMany', 'jhClaimHead', 'jhFinishMany'] as const;

/** What `hotTransaction` uses of the ioredis client: its script set, its MULTI, its script functions. */
interface ScriptsOwner {
  scriptsSet: Record<string, unknown>;
  multi(): Record<string, unknown> & { exec(): Promise<Array<[Error | null, unknown]> | null> };
  [script: string]: unknown;
}

/** An empty script set: what a HotTransaction's MULTI is built with. */
const NO_SCRIPTS: Record<string, unknown> = Object.freeze({});

export interface JobSnapshot {
  id: string;
  queue: string;
  state: BullState;
  hash: Record<string, string>;
}

export class RedisContext {
  private readonly queueObjects = new Map<string, Queue>();
  /** A reload of the scripts in progress: the MULTIs that fail together with NOSCRIPT share it. */
  private reloading: Promise<void> | null = null;

  constructor(
    readonly client: RedisClient & ScriptedClient,
    readonly keys: RedisKeys,
    readonly defaults: JobDefaults,
  ) {}

  /** The BullMQ Queue of a JobHandle queue (created on first use, sharing the client). */
  queue(name: string): Queue {
    let q = this.queueObjects.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.client, prefix: this.keys.bullPrefix(name) });
      q.on('error', () => undefined); // connection errors surface through the calls that fail
      this.queueObjects.set(name, q);
    }
    return q;
  }

  /**
   * A MULTI for the claim and outcome paths. ioredis copies every script defined on a client onto
   * each MULTI it builds (two properties per script), and BullMQ defines about 70 on this shared
   * client: building a MULTI took 0.2–0.5 ms, several µs per job in a drain. So the MULTI is built
   * while the client's script set is empty (synchronously, so nothing else sees it), and a script is
   * queued by calling the client's own script function on the MULTI, which is exactly what the
   * copies would do (EVALSHA, EVAL on a connection that has not loaded it). Call it once the queue's
   * BullMQ Worker is initialized (`await backend.client`): BullMQ defines its scripts then.
   */
  hotTransaction(): HotTransaction {
    const owner = this.client as unknown as ScriptsOwner;
    const all = owner.scriptsSet;
    let m: ReturnType<ScriptsOwner['multi']>;
    owner.scriptsSet = NO_SCRIPTS;
    try {
      m = owner.multi();
    } finally {
      owner.scriptsSet = all;
    }
    const t = m as unknown as HotTransaction;
    const queue = (name: string, args: unknown[]) => {
      const script = owner[name];
      if (typeof script !== 'function') throw new Error(`Redis script ${name} is not defined on this connection`);
      script.apply(t, args);
    };
    // As BullMQ's own transaction wrapper: `execCommand` queues `<script>:<version>` through it.
    t.runCommand = (name, args) => {
      queue(name, [args]);
      return t;
    };
    for (const name of HOT_JH_SCRIPTS) t[name] = (...args: unknown[]) => queue(name, args);
    const exec = m.exec.bind(m);
    t.exec = async () => {
      const replies = await exec();
      if (replies?.some(([err]) => err?.message.includes('NOSCRIPT'))) await this.reloadScripts();
      return replies;
    };
    return t;
  }

  /** A pipeline of JobHandle's scripts (one round trip on a single node). */
  scriptPipeline(): ScriptPipeline {
    return this.client.pipeline() as unknown as ScriptPipeline;
  }

  /**
   * Redis lost its scripts (SCRIPT FLUSH, an evicted script cache) while ioredis believes this
   * connection has them: inside a MULTI the NOSCRIPT error only comes back in EXEC's reply, where
   * ioredis does not reload the script, so every later MULTI would fail the same way. Load every
   * script of the connection again, on every master, once for all the MULTIs that failed together
   * (a batch of outcomes is several); the failed write is retried by its caller
   * (the dispatcher retries a failed outcome write, a failed claim is claimed again).
   */
  private reloadScripts(): Promise<void> {
    this.reloading ??= (async () => {
      const owner = this.client as unknown as ScriptsOwner;
      const luas = Object.values(owner.scriptsSet).map((s) => (s as { lua: string }).lua);
      await Promise.all(this.masters().flatMap((node) => luas.map((lua) => node.script('LOAD', lua))));
    })().finally(() => {
      this.reloading = null;
    });
    return this.reloading;
  }

  /** The connection of each master: the client itself on a single node, each master of a cluster. */
  masters(): Redis[] {
    const client = this.client;
    return 'nodes' in client && typeof client.nodes === 'function' ? client.nodes('master') : [client as Redis];
  }

  /** Every queue JobHandle knows of (the `queues` set), sorted. */
  async knownQueues(): Promise<string[]> {
    return (await this.client.smembers(this.keys.g('queues'))).sort();
  }

  /** The queue of a job id: the id index, else (a job added by plain BullMQ) a look in every known queue. */
  async queueOf(id: string): Promise<string | null> {
    const q = await this.client.hget(this.keys.g('ids'), id);
    if (q) return q;
    for (const name of await this.knownQueues()) {
      if (await this.client.exists(this.keys.job(name, id))) return name;
    }
    return null;
  }

  /** Read jobs of one queue with their states, atomically per queue. Missing jobs are left out. */
  async readJobs(queue: string, ids: readonly string[]): Promise<JobSnapshot[]> {
    if (!ids.length) return [];
    const k = this.keys;
    const m = this.client.multi();
    for (const id of ids) {
      m.hgetall(k.job(queue, id));
      m.zscore(k.q(queue, 'completed'), id);
      m.zscore(k.q(queue, 'failed'), id);
      m.zscore(k.q(queue, 'delayed'), id);
      m.zscore(k.q(queue, 'prioritized'), id);
      m.zscore(k.q(queue, 'waiting-children'), id);
      m.lpos(k.q(queue, 'active'), id);
      m.lpos(k.q(queue, 'wait'), id);
      m.lpos(k.q(queue, 'paused'), id);
    }
    const res = (await m.exec()) ?? [];
    const out: JobSnapshot[] = [];
    ids.forEach((id, i) => {
      const r = res.slice(i * 9, i * 9 + 9).map(([err, v]) => {
        if (err) throw err;
        return v;
      });
      const hash = r[0] as Record<string, string>;
      if (!hash || !Object.keys(hash).length) return;
      const state: BullState =
        r[1] !== null ? 'completed'
        : r[2] !== null ? 'failed'
        : r[3] !== null ? 'delayed'
        : r[4] !== null ? 'prioritized'
        : r[5] !== null ? 'waiting-children'
        : r[6] !== null ? 'active'
        : r[7] !== null ? 'waiting'
        : r[8] !== null ? 'paused'
        : 'unknown';
      out.push({ id, queue, state, hash });
    });
    return out;
  }

  /** One job with its state, or null. */
  async readJob(id: string): Promise<JobSnapshot | null> {
    const queue = await this.queueOf(id);
    if (!queue) return null;
    return (await this.readJobs(queue, [id]))[0] ?? null;
  }

  record(s: JobSnapshot): JobRecord {
    return toRecord(s.id, s.queue, s.state, s.hash, this.defaults);
  }

  /** Close the Queue objects (the shared client stays open). */
  async closeQueues(): Promise<void> {
    const qs = [...this.queueObjects.values()];
    this.queueObjects.clear();
    await Promise.all(qs.map((q) => q.close().catch(() => undefined)));
  }
}
