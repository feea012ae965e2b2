/**
 * JobHandle's own Lua scripts. Each touches the keys of one queue only (one `{hash tag}`, so one
 * cluster slot) and never changes what BullMQ's scripts rely on beyond what BullMQ's own
 * remove/fail paths do.
 */
import type { RedisClient } from './redis-connection';

/**
 * jhUpdate — update JobHandle's fields of an existing job, atomically.
 * KEYS[1] job hash, KEYS[2] the job's log list, KEYS[3] a sorted set (completed/failed), or KEYS[1] again when none (a cluster needs a real key of the slot).
 * ARGV[1] JSON { set?: {field: value}, del?: [field], incr?: [field, by], hist?: attempt,
 *                logs?: [row], zscore?: number }
 * Returns -1 when the job does not exist (nothing is written), else the incremented value (or 0).
 */
const JH_UPDATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local op = cjson.decode(ARGV[1])
local out = 0
if op.set then
  local args = {}
  for k, v in pairs(op.set) do table.insert(args, k); table.insert(args, tostring(v)) end
  if #args > 0 then redis.call('HSET', KEYS[1], unpack(args)) end
end
if op.del and #op.del > 0 then redis.call('HDEL', KEYS[1], unpack(op.del)) end
if op.incr then out = redis.call('HINCRBY', KEYS[1], op.incr[1], op.incr[2]) end
if op.hist then
  local raw = redis.call('HGET', KEYS[1], 'jh:hist')
  local h = {}
  if raw then h = cjson.decode(raw) end
  table.insert(h, op.hist)
  redis.call('HSET', KEYS[1], 'jh:hist', cjson.encode(h))
end
if op.logs and #op.logs > 0 then
  redis.call('RPUSH', KEYS[2], unpack(op.logs))
  redis.call('HINCRBY', KEYS[1], 'jh:logn', #op.logs)
end
if op.zscore and KEYS[3] ~= KEYS[1] then redis.call('ZADD', KEYS[3], 'XX', op.zscore, ARGV[2]) end
return out
`;

/**
 * jhCancelWaiting — move a job that waits (wait, paused, prioritized, delayed, waiting-children)
 * to failed, marked cancelled, as BullMQ's own fail path would (failed set scored by time,
 * finishedOn, failedReason, a `failed` event).
 * KEYS: 1 job, 2 wait, 3 paused, 4 prioritized, 5 delayed, 6 waiting-children, 7 failed,
 *       8 events, 9 JobHandle cancelled set, 10 JobHandle retrying set
 * ARGV: 1 id, 2 at (ms), 3 reason, 4 error JSON
 * Returns -1 no such job, 0 not waiting (claimed or finished meanwhile), 1 cancelled.
 */
const JH_CANCEL_WAITING = `
if redis.call('EXISTS', KEYS[1]) == 0 then return -1 end
local id = ARGV[1]
local removed = redis.call('LREM', KEYS[2], 0, id) + redis.call('LREM', KEYS[3], 0, id)
  + redis.call('ZREM', KEYS[4], id) + redis.call('ZREM', KEYS[5], id) + redis.call('ZREM', KEYS[6], id)
if removed == 0 then return 0 end
redis.call('ZADD', KEYS[7], ARGV[2], id)
redis.call('HSET', KEYS[1], 'finishedOn', ARGV[2], 'failedReason', ARGV[3], 'jh:st', 'cancelled',
  'jh:fin', ARGV[2], 'jh:upd', ARGV[2], 'jh:err', ARGV[4])
redis.call('ZADD', KEYS[9], ARGV[2], id)
redis.call('SREM', KEYS[10], id)
redis.call('XADD', KEYS[8], 'MAXLEN', '~', 10000, '*', 'event', 'failed', 'jobId', id, 'failedReason', ARGV[3], 'prev', 'waiting')
return 1
`;

/**
 * jhReserveIds — insert id → queue into the id index unless one of the ids exists.
 * KEYS[1] index hash; ARGV: id1, queue1, id2, queue2, …  Returns the first existing id, or false.
 */
const JH_RESERVE_IDS = `
for i = 1, #ARGV, 2 do
  if redis.call('HEXISTS', KEYS[1], ARGV[i]) == 1 then return ARGV[i] end
end
for i = 1, #ARGV, 2000 do
  redis.call('HSET', KEYS[1], unpack(ARGV, i, math.min(i + 1999, #ARGV)))
end
return false
`;

export interface JhUpdateOp {
  set?: Record<string, string | number>;
  del?: string[];
  incr?: [string, number];
  hist?: unknown;
  logs?: string[];
  /** Sent as a string: Lua would print a large number in exponent form. */
  zscore?: string;
}

export interface ScriptedClient {
  jhUpdate(jobKey: string, logsKey: string, zsetKey: string, op: string, id: string): Promise<number>;
  jhCancelWaiting(...args: string[]): Promise<number>;
  jhReserveIds(indexKey: string, ...pairs: string[]): Promise<string | null>;
}

/** Register the scripts on a client (EVALSHA with a fallback to EVAL, per node in a cluster). */
export function defineScripts(client: RedisClient): RedisClient & ScriptedClient {
  client.defineCommand('jhUpdate', { numberOfKeys: 3, lua: JH_UPDATE });
  client.defineCommand('jhCancelWaiting', { numberOfKeys: 10, lua: JH_CANCEL_WAITING });
  client.defineCommand('jhReserveIds', { numberOfKeys: 1, lua: JH_RESERVE_IDS });
  return client as RedisClient & ScriptedClient;
}
