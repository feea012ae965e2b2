/**
 * Handlers that run inside the engine rather than in a worker process, because they work on the
 * store itself: `cleanup` (delete old finished jobs) and `maintenance` (checkpoint, vacuum,
 * backup). They show in the job list like any job.
 */
import { z } from 'zod';
import { JOB_STATUSES } from '../../../shared/model';
import { parseOrThrow } from '../../../shared/errors';
import type { ClaimedJob } from '../backend/queue-backend';

export interface EngineJobContext {
  job: ClaimedJob;
  progress(percent: number, message?: string): void;
  log(line: string): void;
}

export type EngineHandler = (ctx: EngineJobContext) => Promise<unknown>;

export const CleanupParamsSchema = z.strictObject({
  daysOld: z.number().min(0).max(36500).default(30),
  statuses: z.array(z.enum(JOB_STATUSES)).min(1).default(['completed', 'failed', 'cancelled']),
});

export const MaintenanceParamsSchema = z.strictObject({
  checkpoint: z.boolean().default(true),
  /** Vacuum when at least this share of the file is free pages (0–1). */
  vacuumFreeRatio: z.number().min(0).max(1).default(0.2),
  backup: z.boolean().default(true),
  /** Backups kept; older ones are deleted. */
  keepBackups: z.number().int().min(1).max(365).default(7),
  /** Apply the per-status retention settings (delete old finished jobs) first. */
  retention: z.boolean().default(true),
});
export type MaintenanceOptions = z.output<typeof MaintenanceParamsSchema>;

export interface EngineHandlerDeps {
  cleanup(daysOld: number, statuses: readonly string[]): Promise<number>;
  /** Store maintenance; absent for stores that need none (Redis). */
  maintenance?(options: MaintenanceOptions, log: (line: string) => void): Promise<Record<string, unknown>>;
}

/** The engine handlers, bound to the services they use. */
export function createEngineHandlers(deps: EngineHandlerDeps): Record<string, EngineHandler> {
  return {
    cleanup: async (ctx) => {
      const p = parseOrThrow(CleanupParamsSchema, ctx.job.parameters, 'parameters');
      const removed = await deps.cleanup(p.daysOld, p.statuses);
      ctx.log(`removed ${removed} jobs finished more than ${p.daysOld} days ago (${p.statuses.join(', ')})`);
      return { removed, daysOld: p.daysOld };
    },
    maintenance: async (ctx) => {
      const p = parseOrThrow(MaintenanceParamsSchema, ctx.job.parameters, 'parameters');
      if (!deps.maintenance) return { skipped: 'this store needs no maintenance' };
      return deps.maintenance(p, (line) => ctx.log(line));
    },
  };
}
