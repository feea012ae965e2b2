/**
 * Resource operations for the contract and the CLI, in an engine process or a client one: pools
 * are read from (and `pools set` written to) the store, so a CLI call reaches the engine of
 * another process (it reloads pools when the store changes).
 */
import { AppError } from '../../../shared/errors';
import type { GovernorView, RatePoolView } from '../../../shared/contract';
import type { JobManager } from '../manager';
import { ratePoolStoreFor } from './rate-pool-store';
import { validateRate } from './token-bucket';

/** Every pool: the engine's live figures when it runs here, else settings + store. */
export async function listRatePools(manager: JobManager): Promise<RatePoolView[]> {
  const stored = await ratePoolStoreFor(manager.backend).list();
  const storedNames = new Set(stored.map((p) => p.name));
  const source = (name: string): RatePoolView['source'] =>
    storedNames.has(name) ? 'store' : Object.hasOwn(manager.config.ratePools, name) ? 'settings' : 'engine';
  const gov = manager.governance;
  if (gov) {
    return gov.governor.pools.list().map((p) => ({
      name: p.name,
      perMinute: p.perMinute,
      burst: p.burst,
      available: Math.round(p.available * 100) / 100,
      waiting: p.waiting,
      granted: p.granted,
      waits: p.waits,
      totalWaitMs: Math.round(p.totalWaitMs),
      source: source(p.name),
    }));
  }
  const byName = new Map<string, RatePoolView>();
  const empty = { available: null, waiting: null, granted: null, waits: null, totalWaitMs: null };
  for (const [name, p] of Object.entries(manager.config.ratePools)) byName.set(name, { name, perMinute: p.perMinute, burst: p.burst ?? 1, ...empty, source: 'settings' });
  for (const p of stored) byName.set(p.name, { name: p.name, perMinute: p.perMinute, burst: p.burst, ...empty, source: 'store' });
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Declare or change a pool: stored (every engine on this store picks it up), and applied at
 * once to the engine running here. Errors: AppError VALIDATION for a bad name, rate or burst.
 */
export async function setRatePool(manager: JobManager, name: string, perMinute: number, burst = 1): Promise<RatePoolView> {
  if (!name || name.length > 64) throw new AppError('VALIDATION', 'invalid name: a rate pool needs a name of 1 to 64 characters');
  if (!Number.isInteger(burst)) throw new AppError('VALIDATION', `invalid burst: expected a whole number, got ${burst}`);
  validateRate(perMinute, burst);
  const gov = manager.governance;
  if (gov) await gov.setPool(name, perMinute, burst);
  else await ratePoolStoreFor(manager.backend).save({ name, perMinute, burst, updatedAt: manager.clock.now() });
  return (await listRatePools(manager)).find((p) => p.name === name)!;
}

/** The engine's governance state. Errors: CONFLICT when no engine runs in this process. */
export async function governorView(manager: JobManager): Promise<GovernorView> {
  const gov = manager.governance;
  if (!gov) throw new AppError('CONFLICT', 'no engine runs in this process');
  const s = gov.state();
  return {
    backpressure: s.backpressure,
    concurrency: {
      running: s.concurrency.running,
      limit: s.concurrency.limit,
      free: s.concurrency.free,
      saturatedQueues: s.concurrency.saturatedQueues,
      saturatedTypes: s.concurrency.saturatedTypes,
      perQueue: s.concurrency.perQueue,
      perType: s.concurrency.perType,
    },
    pools: await listRatePools(manager),
    typePools: s.typePools,
    throttled: s.throttled,
    cpuPolicy: s.cpuPolicy,
    autoScaling: s.autoScaling,
    monitoring: s.monitoring,
  };
}

/** Auto-scaling bounds/on-off. Errors: CONFLICT without an engine here, VALIDATION when min > max. */
export function setAutoScaling(manager: JobManager, opts: { min?: number; max?: number; enabled?: boolean }) {
  const gov = manager.governance;
  if (!gov) throw new AppError('CONFLICT', 'no engine runs in this process');
  return gov.setAutoScaling(opts);
}
