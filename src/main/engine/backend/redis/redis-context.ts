/**
 * What the Redis backend's parts share: the client, key names, BullMQ Queue objects, and the one
 * read that tells a job's state (a MULTI per queue: the job hash plus membership of every state).
 */
import { Queue } from 'bullmq';
import type { RedisClient } from './redis-connection';
import type { RedisKeys } from './redis-keys';
import type { ScriptedClient } from './redis-scripts';
import { toRecord, type BullState, type JobDefaults } from './redis-job-codec';
import type { JobRecord } from '../../../../shared/model';

export interface JobSnapshot {
  id: string;
  queue: string;
  state: BullState;
  hash: Record<string, string>;
}

export class RedisContext {
  private readonly queueObjects = new Map<string, Queue>();

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
