/**
 * Key names. Each JobHandle queue is a BullMQ queue whose BullMQ prefix is `{<prefix>:<queue>}`:
 * the braces are a Redis Cluster hash tag, so all keys of one queue share a slot (BullMQ's Lua
 * scripts need that) while different queues spread over the cluster. JobHandle's global keys share
 * the tag `{<prefix>}`.
 */
import { AppError } from '../../../../shared/errors';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  /** The BullMQ `prefix` option of a queue. */
  bullPrefix(queue: string): string {
    return `{${this.prefix}:${queue}}`;
  }

  /** A BullMQ key of a queue (`wait`, `active`, …) or a JobHandle per-queue key (`jh:…`). */
  q(queue: string, suffix: string): string {
    return `${this.bullPrefix(queue)}:${queue}:${suffix}`;
  }

  job(queue: string, id: string): string {
    return `${this.bullPrefix(queue)}:${queue}:${id}`;
  }

  logs(queue: string, id: string): string {
    return `${this.job(queue, id)}:logs`;
  }

  lock(queue: string, id: string): string {
    return `${this.job(queue, id)}:lock`;
  }

  /** A global JobHandle key: `ids`, `queues`, `engines`, `heartbeats`, `cancels:<engine>`, `changes`. */
  g(suffix: string): string {
    return `{${this.prefix}}:${suffix}`;
  }
}

/** BullMQ cannot use ":" in a queue name; say so in JobHandle's words. */
export function assertRedisQueueName(queue: string): void {
  if (queue.includes(':')) {
    throw new AppError('VALIDATION', `invalid queue: "${queue}": a queue name cannot contain ":" with the Redis backend`);
  }
}
