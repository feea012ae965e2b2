/**
 * The engine registry on Redis: `engines` (id → registration JSON), `heartbeats` (id → ms) and
 * `cancels:<engine>`, all under the global `{<prefix>}` tag.
 */
import type { EngineRegistration } from '../queue-backend';
import type { RedisContext } from './redis-context';

/** Register (or re-register) an engine with its first heartbeat. */
export async function registerEngine(ctx: RedisContext, engine: EngineRegistration): Promise<void> {
  await ctx.client
    .multi()
    .hset(ctx.keys.g('engines'), engine.id, JSON.stringify(engine))
    .hset(ctx.keys.g('heartbeats'), engine.id, String(engine.heartbeatAt))
    .exec();
}

/** Record that `engineId` is alive at `now`. */
export async function heartbeat(ctx: RedisContext, engineId: string, now: number): Promise<void> {
  await ctx.client.hset(ctx.keys.g('heartbeats'), engineId, String(now));
}

/** Forget an engine and its cancel set. */
export async function unregisterEngine(ctx: RedisContext, engineId: string): Promise<void> {
  await ctx.client
    .multi()
    .hdel(ctx.keys.g('engines'), engineId)
    .hdel(ctx.keys.g('heartbeats'), engineId)
    .del(ctx.keys.g(`cancels:${engineId}`))
    .exec();
}

/** Every registered engine with its latest heartbeat, oldest first. */
export async function listEngines(ctx: RedisContext): Promise<EngineRegistration[]> {
  const [engines, beats] = await Promise.all([ctx.client.hgetall(ctx.keys.g('engines')), ctx.client.hgetall(ctx.keys.g('heartbeats'))]);
  return Object.entries(engines)
    .map(([id, json]) => {
      const e = JSON.parse(json) as EngineRegistration;
      return { ...e, heartbeatAt: Number(beats[id] ?? e.heartbeatAt) };
    })
    .sort((a, b) => a.startedAt - b.startedAt);
}
