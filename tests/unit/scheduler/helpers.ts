/** Shared helpers of the scheduler tests: reference timestamps, never the real clock. */
import { parseScheduleDefinition, type ScheduleDefinition } from '../../../src/main/engine/scheduler';

/** Epoch ms of an ISO instant. */
export const t = (iso: string): number => {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`bad ISO in test: ${iso}`);
  return ms;
};

/** ISO strings of epoch ms instants (readable assertions). */
export const isos = (instants: readonly number[]): string[] => instants.map((ms) => new Date(ms).toISOString());

/** A parsed definition with the test's fields; job type `report`, zone UTC unless given. */
export function schedule(fields: Record<string, unknown>): ScheduleDefinition {
  return parseScheduleDefinition({ type: 'report', timezone: 'UTC', ...fields });
}

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
