/**
 * What every chaos scenario shares: the seeded PRNG, a trial's context and result, and the
 * common "submit a batch of ledger jobs through a client" step.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobManager } from '../src/main/engine/manager';
import { JOB_PRIORITIES } from '../src/shared/model';
import { chaosConfig, type StoreAddress } from './chaos-config';
import type { Verdict } from './verify';

/** mulberry32: a small, fast, seedable PRNG. Output: a function returning floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface TrialContext {
  /** This trial's PRNG (derived from the run's seed, the scenario and the trial number). */
  random: () => number;
  trial: number;
  /** Jobs to submit per trial. */
  jobs: number;
  /** Print a progress line (verbose runs). */
  log: (line: string) => void;
}

export interface TrialResult extends Verdict {
  /** What happened that the table should show (e.g. "2 workers killed", "STORAGE_FULL seen"). */
  notes?: string[];
  /** Scenario-specific failures that are not lost/stuck (e.g. a slot fired twice). */
  violations?: string[];
}

export interface Scenario {
  name: string;
  /** Needs redis-server / root (tmpfs) etc.; a string says why it cannot run here. */
  unavailable?: () => string | null;
  /** One-time set-up shared by the trials (a Redis server, a cluster); returns its teardown. */
  setup?: () => Promise<() => Promise<void>>;
  run: (ctx: TrialContext) => Promise<TrialResult>;
}

/** A uniform integer in [lo, hi]. */
export function between(random: () => number, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}

/** A new temp directory for one trial. */
export function trialDir(name: string): string {
  return mkdtempSync(join(tmpdir(), `jobhandle-chaos-${name}-`));
}

/** A client (not an engine) on `store`. */
export function openClient(store: StoreAddress): Promise<JobManager> {
  return JobManager.open({ config: chaosConfig(store) });
}

/**
 * Submit `count` ledger jobs (random short durations, mixed priorities) through `client`.
 * Output: the accepted ids. Errors: the submission's AppError.
 */
export async function submitLedgerJobs(client: JobManager, ledger: string, count: number, random: () => number, maxMs = 40): Promise<string[]> {
  const priorities = JOB_PRIORITIES;
  const jobs = await client.submitJobs(
    Array.from({ length: count }, () => ({
      type: 'ledger',
      priority: priorities[Math.floor(random() * priorities.length)]!,
      parameters: { file: ledger, ms: Math.floor(random() * maxMs) },
      maxRetries: 5,
    })),
  );
  return jobs.map((j) => j.id);
}

/** Resolve when `predicate` is true (polled every 20 ms); reject with `what` after `timeoutMs`. */
export async function until(predicate: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Sleep `ms` (a deliberate random delay of a scenario, not a wait for an event). */
export function pause(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
