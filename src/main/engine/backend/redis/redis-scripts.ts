/**
 * JobHandle's own Lua scripts. Each touches the keys of one queue only (one `{hash tag}`, so one
 * cluster slot) and never changes what BullMQ's scripts rely on beyond what BullMQ's own
 * remove/fail paths do.
 */
import { moveToFinished as bullMoveToFinished } from 'bullmq/dist/esm/scripts/moveToFinished-14.js';
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

/**
 * MARK_HEAD — a Lua fragment shared by jhSettle, jhSettleMany and jhClaim (markJob) and jhClaimHead: mark the job BullMQ just moved to
 * active in the same MULTI (moveToActive, or moveToFinished's fetch-next) as this engine's attempt.
 * BullMQ pushes the job it moves to active at the head of the active list (RPOPLPUSH / LPUSH), and
 * locks it with the token of the move; the MULTI runs atomically, so the head of `active` whose
 * lock holds that token is that job (a unique token per move, so an empty move matches nothing).
 * Marking = what jhClaim did: engine, worker, start, attempt + 1; a cancel requested while the job
 * was being claimed (`jh:cx`) is kept and reported. One HMGET and one HSET; `jh:st`/`jh:pmsg` are
 * deleted, and the job taken out of the retrying set, only when there (only a job whose `jh:st` is
 * `retrying` is added to that set).
 * Needs: KEYS active and retrying set; ARGV job key prefix, token, engine, worker, now.
 * Returns { id, attempt, base, cancelRequested (0|1) }, or false when no job was moved.
 */
const MARK_HEAD = `
local function markJob(jk, id, engine, worker, now, retryingKey)
  local h = redis.call('HMGET', jk, 'jh:att', 'jh:base', 'jh:cx', 'jh:st', 'jh:pmsg')
  local att = (tonumber(h[1]) or 0) + 1
  redis.call('HSET', jk, 'jh:eng', engine, 'jh:wk', worker, 'jh:start', now, 'jh:upd', now, 'progress', '0', 'jh:att', att)
  if h[4] or h[5] then redis.call('HDEL', jk, 'jh:st', 'jh:pmsg') end
  if h[4] then redis.call('SREM', retryingKey, id) end
  local cx = 0
  if h[3] == '1' then cx = 1 end
  return {id, att, tonumber(h[2]) or 0, cx}
end
local function markHead(activeKey, retryingKey, jobPrefix, token, engine, worker, now)
  local id = redis.call('LINDEX', activeKey, 0)
  if not id then return false end
  local jk = jobPrefix .. id
  if redis.call('GET', jk .. ':lock') ~= token then return false end
  return markJob(jk, id, engine, worker, now, retryingKey)
end
`;

/**
 * SETTLE_ONE — a Lua fragment: apply one outcome's JobHandle fields (see jhSettle). `op` is the
 * decoded JhUpdateOp plus { att, where, mark }. Returns 2 applied to a job with dependents, 1
 * applied, 0 skipped (stale: the move did not happen).
 */
const SETTLE_ONE = `
local function settleOne(P, job, id, target, op)
  if redis.call('EXISTS', job) == 0 then return 0 end
  if tostring(redis.call('HGET', job, 'jh:att')) ~= tostring(op.att) then return 0 end
  if op.where == 'z' then
    if not redis.call('ZSCORE', target, id) then return 0 end
  else
    if redis.call('LPOS', P .. 'active', id) then return 0 end
    if not (redis.call('LPOS', target, id) or redis.call('ZSCORE', P .. 'prioritized', id) or redis.call('LPOS', P .. 'paused', id)) then return 0 end
  end
  if op.set then
    local args = {}
    for k, v in pairs(op.set) do table.insert(args, k); table.insert(args, tostring(v)) end
    if #args > 0 then redis.call('HSET', job, unpack(args)) end
  end
  if op.del and #op.del > 0 then redis.call('HDEL', job, unpack(op.del)) end
  if op.incr then redis.call('HINCRBY', job, op.incr[1], op.incr[2]) end
  if op.hist then
    local started = tonumber(redis.call('HGET', job, 'jh:start')) or op.hist.finishedAt
    op.hist.startedAt = started
    op.hist.durationMs = op.hist.finishedAt - started
    local raw = redis.call('HGET', job, 'jh:hist')
    local h = {}
    if raw then h = cjson.decode(raw) end
    table.insert(h, op.hist)
    redis.call('HSET', job, 'jh:hist', cjson.encode(h))
  end
  if op.zscore and op.where == 'z' then redis.call('ZADD', target, 'XX', op.zscore, id) end
  if op.mark == 'cancelled' then redis.call('ZADD', P .. 'jh:cancelled', op.zscore, id) end
  if op.mark == 'retrying' then redis.call('SADD', P .. 'jh:retrying', id) end
  if redis.call('HEXISTS', job, 'jh:hasdeps') == 1 then return 2 end
  return 1
end
`;

/**
 * jhSettle — JobHandle's fields of one outcome, queued in the same MULTI right after BullMQ's own
 * move (moveToFinished / moveToDelayed / moveJobFromActiveToWait), so that no reader ever sees the
 * job moved without them. Batches of outcomes use jhSettleMany; this one settles single moves
 * (handing fetched jobs back to waiting). Applied only when that move happened: its attempt is still `op.att`,
 * and it sits where the move puts it (the target zset, which excludes `active`; or, for a move
 * back to waiting, no longer `active` and in wait/prioritized/paused).
 * When the move was moveToFinished with fetch-next (ARGV[5], the token, not ''), the job BullMQ
 * fetched is marked as this engine's in the same script (MARK_HEAD).
 * KEYS[1] the job. The queue's other keys are its BullMQ key prefix ARGV[1] (same slot) plus
 * `active`, `prioritized`, `paused`, `jh:cancelled` (zset), `jh:retrying` (set), and the target
 * ARGV[3] (completed/failed/delayed zset, or `wait`).
 * ARGV: 1 key prefix, 2 id, 3 target, 4 JSON JhUpdateOp plus { att, where: 'z'|'w',
 * mark?: 'cancelled'|'retrying' }, 5 token of the fetch ('' none), 6 engine, 7 worker, 8 now.
 * Returns { code, next }: code 2 applied to a job that has dependents (`jh:hasdeps`), 1 applied,
 * 0 skipped (the move did not happen: a stale outcome); next as MARK_HEAD returns it.
 */
const JH_SETTLE = `${MARK_HEAD}${SETTLE_ONE}
local P, id = ARGV[1], ARGV[2]
local code = settleOne(P, KEYS[1], id, P .. ARGV[3], cjson.decode(ARGV[4]))
local nxt = false
if ARGV[5] ~= '' then nxt = markHead(P .. 'active', P .. 'jh:retrying', P, ARGV[5], ARGV[6], ARGV[7], ARGV[8]) end
return {code, nxt}
`;

/**
 * jhSettleMany — jhSettle for a batch of outcomes of one queue, queued in the same MULTI right
 * after their BullMQ moves (one script call for the batch). The jobs that the moves fetched
 * (moveToFinished with fetch-next) are the head of `active`, one per successful fetch, each locked
 * with its outcome's token: they are found there by their lock and marked as this engine's.
 * Completions of jobs held here go through jhFinishMany instead.
 * KEYS[1] the queue's `active` list. ARGV: 1 key prefix, 2 engine, 3 now, 4 JSON array of
 * { id, t: target, op (as jhSettle's), tok?: token of the fetch, wk?: worker }.
 * Returns { codes, marks }: per outcome, jhSettle's code and the fetched job marked (MARK_HEAD's
 * answer) or false.
 */
const JH_SETTLE_MANY = `${MARK_HEAD}${SETTLE_ONE}
local P, engine, now = ARGV[1], ARGV[2], ARGV[3]
local items = cjson.decode(ARGV[4])
local codes, marks, want, nwant = {}, {}, {}, 0
for i, it in ipairs(items) do
  codes[i] = settleOne(P, P .. it.id, it.id, P .. it.t, it.op)
  marks[i] = false
  if it.tok then want[it.tok] = i; nwant = nwant + 1 end
end
if nwant > 0 then
  for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, nwant - 1)) do
    local jk = P .. id
    local tok = redis.call('GET', jk .. ':lock')
    local i = tok and want[tok]
    if i then
      want[tok] = nil
      marks[i] = markJob(jk, id, engine, items[i].wk, now, P .. 'jh:retrying')
    end
  end
end
return {codes, marks}
`;

/**
 * BullMQ's own moveToFinished Lua (the text BullMQ loads, from its package), as a Lua function
 * `bullMoveToFinished(KEYS, ARGV)` that one script can call once per job: its helper functions are
 * defined once per call of the script, ahead of the function, when its main part is found where
 * BullMQ 6 has it (`local jobIdKey = KEYS[12]` at the start of a line; none of the helpers reads
 * KEYS or ARGV); otherwise the whole text goes in the function (slower, same moves).
 */
export function bullMoveFunction(content: string): { lua: string; hoisted: boolean } {
  const main = /^local jobIdKey = KEYS\[12\]/m.exec(content);
  const [helpers, body] = main ? [content.slice(0, main.index), content.slice(main.index)] : ['', content];
  return { lua: `${helpers}\nlocal function bullMoveToFinished(KEYS, ARGV)\n${body}\nend\n`, hoisted: Boolean(main) };
}

/**
 * jhFinishMany — completions of jobs held by this engine (the drain's common case), one script call
 * for a batch of one queue: per job, BullMQ's own moveToFinished (above: the same Lua BullMQ runs,
 * with the same keys and arguments, `fieldsToUpdate` carrying JobHandle's fields and fetch-next
 * when asked), then what jhSettleMany does for such a completion (the fields of earlier states
 * deleted when present, whether the job has dependents), and the marking of the job the move
 * fetched (MARK_HEAD's markJob: its id is in the move's reply). One script call per batch instead
 * of one per job plus jhSettleMany: about a fifth less Redis time per job (docs/redis.md).
 * A job whose move fails (a Lua error) is reported and does not stop the others.
 * KEYS: moveToFinished's 14 keys (KEYS[12], the job, is set per job). ARGV: 1 job key prefix,
 * 2 engine, 3 now, 4 count, then per job 10 values: moveToFinished's 9 arguments and the worker.
 * A move that fails as stale because this very completion was written before (a write sent again
 * after its reply was lost: `finishedOn` is its finish time) is settled all the same.
 * Returns { moves, codes, marks }: per job, moveToFinished's reply (or the error), 2/1 applied
 * (with / without dependents) or 0 not moved (stale), and the fetched job marked or false.
 */
const JH_FINISH_MANY = `${bullMoveFunction(bullMoveToFinished.content).lua}${MARK_HEAD}
local P, engine, now, n = ARGV[1], ARGV[2], ARGV[3], tonumber(ARGV[4])
local retrying = P .. 'jh:retrying'
local keys = {}
for i = 1, 14 do keys[i] = KEYS[i] end
local moves, codes, marks = {}, {}, {}
for i = 1, n do
  local a = 4 + (i - 1) * 10
  local id = ARGV[a + 1]
  keys[12] = P .. id
  local ok, res = pcall(bullMoveToFinished, keys, {id, ARGV[a + 2], ARGV[a + 3], ARGV[a + 4], ARGV[a + 5], ARGV[a + 6], ARGV[a + 7], ARGV[a + 8], ARGV[a + 9]})
  codes[i] = 0
  marks[i] = false
  if not ok then
    if type(res) == 'table' and res.err then moves[i] = res else moves[i] = redis.error_reply(tostring(res)) end
  else
    moves[i] = res
    local moved = res == 0 or type(res) == 'table'
    -- A write sent again (its reply was lost): the move happened then, with this finish time.
    if not moved and redis.call('HGET', keys[12], 'finishedOn') == ARGV[a + 2] then moved = true end
    if moved then
      local h = redis.call('HMGET', keys[12], 'jh:hasdeps', 'jh:err', 'jh:cx', 'jh:st', 'jh:pmsg')
      if h[2] or h[3] or h[4] or h[5] then redis.call('HDEL', keys[12], 'jh:err', 'jh:cx', 'jh:st', 'jh:pmsg') end
      if h[1] then codes[i] = 2 else codes[i] = 1 end
      if type(res) == 'table' and type(res[2]) == 'string' and res[2] ~= '' and res[2] ~= '0' then
        marks[i] = markJob(P .. res[2], res[2], engine, ARGV[a + 10], now, retrying)
      end
    end
  end
end
return {moves, codes, marks}
`;

/**
 * jhClaimHead — queued in a MULTI right after BullMQ's moveToActive: mark the job it moved, if
 * any (MARK_HEAD). KEYS: 1 active, 2 JobHandle retrying set. ARGV: 1 job key prefix, 2 token,
 * 3 engine, 4 worker, 5 now. Returns MARK_HEAD's answer.
 */
const JH_CLAIM_HEAD = `${MARK_HEAD}
return markHead(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5])
`;

/**
 * jhClaim — mark a job just taken by BullMQ's moveToActive as this engine's attempt (used when
 * the job was taken outside a MULTI that could mark it: claims that the governor constrains, and
 * the fallback when MARK_HEAD found no job for a move that returned one).
 * KEYS: 1 job, 2 JobHandle retrying set. ARGV: 1 engine, 2 worker, 3 now, 4 id.
 * A cancel requested while the job was being claimed (`jh:cx`) is kept, so the engine sees it.
 * Returns { attempt, base, cancelRequested (0|1) }, or {-1, 0, 0} when the job is gone.
 */
const JH_CLAIM = `${MARK_HEAD}
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1, 0, 0} end
local m = markJob(KEYS[1], ARGV[4], ARGV[1], ARGV[2], ARGV[3], KEYS[2])
return {m[2], m[3], m[4]}
`;

/**
 * jhOrphans — the jobs of one queue's `active` list locked with a token that starts with this
 * engine's token prefix (redis-orphans.ts): the engine keeps those it does not hold.
 * KEYS[1] active. ARGV: 1 job key prefix, 2 token prefix. Returns id, token, id, token, …
 */
const JH_ORPHANS = `
local out, n = {}, #ARGV[2]
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local tok = redis.call('GET', ARGV[1] .. id .. ':lock')
  if tok and string.sub(tok, 1, n) == ARGV[2] then
    out[#out + 1] = id
    out[#out + 1] = tok
  end
end
return out
`;

/**
 * jhAdopt — mark an orphan (redis-orphans.ts) as this engine's attempt, as a claim does
 * (MARK_HEAD's markJob), if it is still active and locked with that token.
 * KEYS: 1 job, 2 its lock, 3 active, 4 JobHandle retrying set. ARGV: 1 id, 2 token, 3 engine,
 * 4 worker, 5 now. Returns { attempt, base, cancelRequested (0|1), HGETALL of the job } or false.
 */
const JH_ADOPT = `${MARK_HEAD}
if redis.call('GET', KEYS[2]) ~= ARGV[2] or not redis.call('LPOS', KEYS[3], ARGV[1]) then return false end
local m = markJob(KEYS[1], ARGV[1], ARGV[3], ARGV[4], ARGV[5], KEYS[4])
return {m[2], m[3], m[4], redis.call('HGETALL', KEYS[1])}
`;

/**
 * jhSetWorker — record the worker on jobs of one queue that a claim took from the jobs fetched
 * ahead for another worker (one call per queue instead of a pipeline of HSETs). KEYS: the jobs
 * (one slot). ARGV[1] the worker. A job gone meanwhile is left alone. Returns how many were set.
 */
const JH_SET_WORKER = `
local n = 0
for i = 1, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then
    redis.call('HSET', KEYS[i], 'jh:wk', ARGV[1])
    n = n + 1
  end
end
return n
`;

/**
 * jhPendingTimestamps — the creation times (`timestamp`) of a sample of a queue's pending jobs:
 * the oldest 100 of wait and of paused (their tails: FIFO) and the first 1000 of prioritized, in
 * one call instead of one HGET per job. KEYS: 1 wait, 2 paused, 3 prioritized. ARGV[1] the job key
 * prefix (same slot). Returns the values found (jobs without one are left out).
 */
const JH_PENDING_TIMESTAMPS = `
local out = {}
local function add(ids)
  for _, id in ipairs(ids) do
    local ts = redis.call('HGET', ARGV[1] .. id, 'timestamp')
    if ts then table.insert(out, ts) end
  end
end
add(redis.call('LRANGE', KEYS[1], -100, -1))
add(redis.call('LRANGE', KEYS[2], -100, -1))
add(redis.call('ZRANGE', KEYS[3], 0, 999))
return out
`;

/**
 * jhTakeTokens — a shared token bucket: refill at ARGV[1] tokens a minute up to ARGV[2] (burst,
 * also the start), then take ARGV[3] tokens if there are that many. Time is Redis's TIME, so every
 * engine shares one clock. KEYS[1] the bucket hash (`tokens`, `ts`), under the global slot.
 * Returns {1, 0} when taken, else {0, ms until there would be enough}.
 */
const JH_TAKE_TOKENS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rate = tonumber(ARGV[1]) / 60000
local burst = tonumber(ARGV[2])
local want = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(h[1]) or burst
local ts = tonumber(h[2]) or now
if now > ts then tokens = math.min(burst, tokens + (now - ts) * rate) end
if tokens > burst then tokens = burst end
local granted = 0
local wait = 0
if tokens >= want - 1e-9 then
  tokens = tokens - want
  granted = 1
else
  wait = math.ceil((want - tokens) / rate)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(math.max(now, ts)))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate) + 60000)
return {granted, wait}
`;

/**
 * jhScheduleCas — claim a planned schedule tick (compare-and-set) with its fire records.
 * KEYS: 1 schedule hash, 2 due index zset, 3 fires hash, 4 the schedule's job set (all `{prefix}`)
 * ARGV: 1 id, 2 expected nextFireAt score, 3 new state JSON, 4 new score, 5 now,
 *       then pairs slot, fire JSON ({ jobId, recordedAt }).
 * Stores the state only if the schedule exists, is not paused and its score still equals
 * ARGV[2]; then records each slot not recorded yet (HSETNX) and adds its job to the job set.
 * Returns {-1} no such schedule, {0} lost (changed, paused), {1, slot...} won with the slots recorded.
 */
const JH_SCHEDULE_CAS = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {-1} end
if redis.call('HGET', KEYS[1], 'paused') == '1' then return {0} end
local cur = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not cur or tonumber(cur) ~= tonumber(ARGV[2]) then return {0} end
redis.call('HSET', KEYS[1], 'state', ARGV[3], 'updated', ARGV[5])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1])
local out = {1}
for i = 6, #ARGV, 2 do
  if redis.call('HSETNX', KEYS[3], ARGV[i], ARGV[i + 1]) == 1 then
    table.insert(out, ARGV[i])
    redis.call('SADD', KEYS[4], cjson.decode(ARGV[i + 1]).jobId)
  end
end
return out
`;

/**
 * jhDepResolve — a prerequisite reached `status`: resolve the open edges on it and decide, once,
 * each dependent's fate (docs/redis.md, "Dependencies"). Dependency keys live under the global
 * `{prefix}` slot: `dep:e:<job>` (prereq → trigger), `dep:s:<job>` (prereq → waiting|met|unmet),
 * `dep:t:<job>` (prereq → resolved at), `dep:on:<prereq>` (dependents), `dep:j:<job>` (`d`: the
 * decision waiting|released|cancelled|manual). A decision moves from `waiting` once, inside this
 * script, so a dependent is released (or cancelled) exactly once however many engines call it.
 * Each decision is also written to the to-do hash KEYS[1] (job → JSON) until it is applied to the
 * job in its queue. ARGV: 1 global prefix `{p}:`, 2 prereq id, 3 its status (or `gone`), 4 now.
 * Returns the decisions taken now (JSON each).
 */
const JH_DEP_RESOLVE = `
local P, pre, status, now = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local function verdict(trig, st)
  if st == 'gone' then return 'unmet' end
  if st ~= 'completed' and st ~= 'failed' and st ~= 'cancelled' then return 'waiting' end
  if trig == 'completion' then return 'met' end
  if trig == 'success' then
    if st == 'completed' then return 'met' else return 'unmet' end
  end
  if st == 'completed' then return 'unmet' else return 'met' end
end
local out = {}
for _, dep in ipairs(redis.call('SMEMBERS', P .. 'dep:on:' .. pre)) do
  local sk = P .. 'dep:s:' .. dep
  if redis.call('HGET', sk, pre) == 'waiting' then
    local trig = redis.call('HGET', P .. 'dep:e:' .. dep, pre)
    local v = verdict(trig, status)
    if v ~= 'waiting' then
      redis.call('HSET', sk, pre, v)
      redis.call('HSET', P .. 'dep:t:' .. dep, pre, now)
      local jk = P .. 'dep:j:' .. dep
      if redis.call('HGET', jk, 'd') == 'waiting' then
        local action = false
        if v == 'unmet' then
          action = 'cancel'
        else
          action = 'release'
          for _, st in ipairs(redis.call('HVALS', sk)) do
            if st ~= 'met' then action = false; break end
          end
        end
        if action then
          if action == 'cancel' then redis.call('HSET', jk, 'd', 'cancelled') else redis.call('HSET', jk, 'd', 'released') end
          local todo = cjson.encode({ id = dep, action = action, pre = pre, status = status, trigger = trig, at = tonumber(now) })
          redis.call('HSET', KEYS[1], dep, todo)
          table.insert(out, todo)
        end
      end
    end
  end
end
return out
`;

/**
 * jhDepReopen — `pre` was restarted: its edges that were unmet go back to waiting; a dependent
 * that was cancelled by the dependency rules and has no unmet edge left is decided `waiting`
 * again. ARGV: 1 global prefix, 2 prereq id. Returns those dependents' ids.
 */
const JH_DEP_REOPEN = `
local P, pre = ARGV[1], ARGV[2]
local out = {}
for _, dep in ipairs(redis.call('SMEMBERS', P .. 'dep:on:' .. pre)) do
  local sk = P .. 'dep:s:' .. dep
  if redis.call('HGET', sk, pre) == 'unmet' then
    redis.call('HSET', sk, pre, 'waiting')
    redis.call('HDEL', P .. 'dep:t:' .. dep, pre)
    local unmet = false
    for _, st in ipairs(redis.call('HVALS', sk)) do
      if st == 'unmet' then unmet = true; break end
    end
    local jk = P .. 'dep:j:' .. dep
    if not unmet and redis.call('HGET', jk, 'd') == 'cancelled' then
      redis.call('HSET', jk, 'd', 'waiting')
      table.insert(out, dep)
    end
  end
end
return out
`;

/**
 * jhParkFailed — move a failed job back to waiting-children (a restart that must wait for its
 * dependencies, or a dependent re-opened by its prerequisite's restart), clearing the outcome.
 * KEYS: 1 job, 2 failed, 3 waiting-children, 4 JobHandle cancelled zset. ARGV: 1 id, 2 now,
 * 3 '1' to require the dependency cancel code. Returns 1 moved, 0 not (not failed, or other code).
 */
const JH_PARK_FAILED = `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
if ARGV[3] == '1' then
  local err = redis.call('HGET', KEYS[1], 'jh:err')
  if not err or not string.find(err, '"code":"DEPENDENCY"', 1, true) then return 0 end
end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[2], ARGV[1])
redis.call('HDEL', KEYS[1], 'jh:st', 'jh:err', 'jh:fin', 'finishedOn', 'failedReason', 'jh:start', 'jh:eng', 'jh:wk')
redis.call('HSET', KEYS[1], 'jh:upd', ARGV[2])
return 1
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

/** MARK_HEAD's answer: the marked job's id, attempt, attempts before the last restart, cancel requested (0|1). */
export type MarkedHead = [string, number, number, number];

export interface ScriptedClient {
  jhUpdate(jobKey: string, logsKey: string, zsetKey: string, op: string, id: string): Promise<number>;
  jhCancelWaiting(...args: string[]): Promise<number>;
  jhReserveIds(indexKey: string, ...pairs: string[]): Promise<string | null>;
  jhSettle(jobKey: string, keyPrefix: string, id: string, target: string, op: string, token: string, engine: string, worker: string, now: string): Promise<[number, MarkedHead | null]>;
  jhSettleMany(activeKey: string, keyPrefix: string, engine: string, now: string, items: string): Promise<[number[], Array<MarkedHead | null>]>;
  jhClaimHead(activeKey: string, retryingKey: string, jobPrefix: string, token: string, engine: string, worker: string, now: string): Promise<MarkedHead | null>;
  jhDepResolve(todoKey: string, prefix: string, pre: string, status: string, now: string): Promise<string[]>;
  jhDepReopen(todoKey: string, prefix: string, pre: string): Promise<string[]>;
  jhParkFailed(jobKey: string, failedKey: string, waitingChildrenKey: string, cancelledKey: string, id: string, now: string, requireCode: string): Promise<number>;
  jhScheduleCas(...args: string[]): Promise<Array<number | string>>;
  jhTakeTokens(bucketKey: string, perMinute: string, burst: string, tokens: string): Promise<[number, number]>;
  jhClaim(jobKey: string, retryingKey: string, engine: string, worker: string, now: string, id: string): Promise<[number, number, number]>;
  jhSetWorker(numberOfKeys: number, ...keysThenWorker: string[]): Promise<number>;
  jhOrphans(activeKey: string, jobPrefix: string, tokenPrefix: string): Promise<string[]>;
  jhFinishMany(...keysThenArgs: unknown[]): Promise<[unknown[], number[], Array<MarkedHead | false>]>;
  jhAdopt(jobKey: string, lockKey: string, activeKey: string, retryingKey: string, id: string, token: string, engine: string, worker: string, now: string): Promise<[number, number, number, string[]] | null>;
  jhPendingTimestamps(waitKey: string, pausedKey: string, prioritizedKey: string, jobPrefix: string): Promise<string[]>;
}

/** Register the scripts on a client (EVALSHA with a fallback to EVAL, per node in a cluster). */
export function defineScripts(client: RedisClient): RedisClient & ScriptedClient {
  client.defineCommand('jhUpdate', { numberOfKeys: 3, lua: JH_UPDATE });
  client.defineCommand('jhCancelWaiting', { numberOfKeys: 10, lua: JH_CANCEL_WAITING });
  client.defineCommand('jhReserveIds', { numberOfKeys: 1, lua: JH_RESERVE_IDS });
  client.defineCommand('jhSettle', { numberOfKeys: 1, lua: JH_SETTLE });
  client.defineCommand('jhSettleMany', { numberOfKeys: 1, lua: JH_SETTLE_MANY });
  client.defineCommand('jhClaim', { numberOfKeys: 2, lua: JH_CLAIM });
  client.defineCommand('jhClaimHead', { numberOfKeys: 2, lua: JH_CLAIM_HEAD });
  client.defineCommand('jhDepResolve', { numberOfKeys: 1, lua: JH_DEP_RESOLVE });
  client.defineCommand('jhDepReopen', { numberOfKeys: 1, lua: JH_DEP_REOPEN });
  client.defineCommand('jhParkFailed', { numberOfKeys: 4, lua: JH_PARK_FAILED });
  client.defineCommand('jhScheduleCas', { numberOfKeys: 4, lua: JH_SCHEDULE_CAS });
  client.defineCommand('jhTakeTokens', { numberOfKeys: 1, lua: JH_TAKE_TOKENS });
  client.defineCommand('jhSetWorker', { lua: JH_SET_WORKER });
  client.defineCommand('jhOrphans', { numberOfKeys: 1, lua: JH_ORPHANS });
  client.defineCommand('jhFinishMany', { numberOfKeys: 14, lua: JH_FINISH_MANY });
  client.defineCommand('jhAdopt', { numberOfKeys: 4, lua: JH_ADOPT });
  client.defineCommand('jhPendingTimestamps', { numberOfKeys: 3, lua: JH_PENDING_TIMESTAMPS });
  return client as RedisClient & ScriptedClient;
}
