/**
 * Helpers for engine integration tests: a real JobManager on a SQLite file in a temp dir, real
 * worker processes (forked, running src/main/worker.ts through tsx), and the test handler modules
 * in tests/fixtures/handlers. No mocks.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig, type Config, type SettingsFile } from '../../src/main/engine/config';
import { JobManager, type JobManagerOptions } from '../../src/main/engine/manager';
import type { JobEventMap } from '../../src/shared/events';
import type { Clock } from '../../src/main/engine/clock';

const here = dirname(fileURLToPath(import.meta.url));
export const FIXTURES_DIR = resolve(here, '../fixtures');
export const HANDLERS_DIR = join(FIXTURES_DIR, 'handlers');

/** Test job types → their handler modules. */
export const TEST_HANDLERS: Record<string, { module: string }> = {
  noop: { module: join(HANDLERS_DIR, 'noop.mjs') },
  sleep: { module: join(HANDLERS_DIR, 'sleep.mjs') },
  'fail-transient': { module: join(HANDLERS_DIR, 'fail-transient.mjs') },
  'fail-permanent': { module: join(HANDLERS_DIR, 'fail-permanent.mjs') },
  progress: { module: join(HANDLERS_DIR, 'progress.mjs') },
};

/** Fast defaults: one worker, small retry delays, short graces. */
export const FAST_SETTINGS: SettingsFile = {
  workers: { min: 1, max: 4, concurrency: 4 },
  jobs: { retryDelaySeconds: 0, maxRetries: 0, defaultTimeoutSeconds: 60 },
  cancelGraceSeconds: 1,
  shutdownGraceSeconds: 1,
  // A shared, busy test machine must not hold jobs back: thresholds of 100 disable backpressure
  // (tests of backpressure set their own thresholds and inject host samples).
  thresholds: { cpuPercent: 100, memoryPercent: 100 },
};

function mergeSettings(base: SettingsFile, over: SettingsFile | undefined): SettingsFile {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' ? { ...cur, ...v } : v;
  }
  return out as SettingsFile;
}

/** A fresh temp directory for one test's database. */
export function makeTempDir(prefix = 'jobhandle-it-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Config for a database in `dir`, with the test handlers registered; the process env is ignored. */
export function testConfig(dir: string, overrides?: SettingsFile): Config {
  const settings = mergeSettings(mergeSettings(FAST_SETTINGS, { handlers: TEST_HANDLERS }), overrides);
  return loadConfig({ env: { JOBHANDLE_DATA_DIR: dir }, overrides: settings });
}

export interface StartEngineOptions {
  /** Settings on top of FAST_SETTINGS (workers, jobs, graces…). */
  overrides?: SettingsFile;
  /** Use this directory (another engine's database); default: a new temp dir. */
  dir?: string;
  /** false: open a client only (as the CLI does), do not start the engine. */
  start?: boolean;
  clock?: Clock;
  manager?: Partial<Omit<JobManagerOptions, 'config' | 'clock'>>;
}

export interface TestEngine {
  manager: JobManager;
  dir: string;
  config: Config;
  /** Close every manager opened through this engine (and the dir, if it created it). */
  cleanup(): Promise<void>;
  /** Another manager on the same database: a client unless `start` is true. */
  open(options?: Omit<StartEngineOptions, 'dir'>): Promise<JobManager>;
}

/** Open a JobManager on a temp SQLite file and (by default) start it as an engine. */
export async function startEngine(options: StartEngineOptions = {}): Promise<TestEngine> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? makeTempDir();
  const managers: JobManager[] = [];
  const openOne = async (o: Omit<StartEngineOptions, 'dir'>): Promise<JobManager> => {
    const config = testConfig(dir, o.overrides);
    const m = await JobManager.open({ config, ...(o.clock ? { clock: o.clock } : {}), ...o.manager });
    managers.push(m);
    if (o.start !== false) await m.start();
    return m;
  };
  const manager = await openOne(options);
  return {
    manager,
    dir,
    config: manager.config,
    open: (o = {}) => openOne(o),
    async cleanup() {
      for (const m of managers.reverse()) await m.close().catch(() => undefined);
      if (ownsDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve when `event` fires with a payload matching `predicate`; reject after `timeoutMs`. */
export function waitForEvent<K extends keyof JobEventMap>(
  manager: JobManager,
  event: K,
  predicate: (payload: JobEventMap[K]) => boolean = () => true,
  timeoutMs = 20_000,
): Promise<JobEventMap[K]> {
  return new Promise((resolvePromise, reject) => {
    const listener = (payload: JobEventMap[K]) => {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      (manager.off as (e: string, l: unknown) => void)(event, listener);
      resolvePromise(payload);
    };
    const timer = setTimeout(() => {
      (manager.off as (e: string, l: unknown) => void)(event, listener);
      reject(new Error(`no ${event} event within ${timeoutMs} ms`));
    }, timeoutMs);
    (manager.on as (e: string, l: unknown) => void)(event, listener);
  });
}

/** Every payload of `event`, in order, until `stop()` is called. */
export function recordEvents<K extends keyof JobEventMap>(manager: JobManager, event: K): { events: JobEventMap[K][]; stop(): void } {
  const events: JobEventMap[K][] = [];
  const listener = (p: JobEventMap[K]) => events.push(p);
  (manager.on as (e: string, l: unknown) => void)(event, listener);
  return { events, stop: () => (manager.off as (e: string, l: unknown) => void)(event, listener) };
}

/** Poll `predicate` until it is truthy; reject with `what` after `timeoutMs`. */
export async function waitUntil<T>(
  predicate: () => T | Promise<T>,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/**
 * Is `pid` a live process? A zombie (state Z, dead but not reaped: this container's PID 1 may
 * not reap orphans) or X counts as dead.
 */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false; // gone between the two checks (or no /proc)
  }
}

/** How many jobs the database holds, by any status. */
export async function countJobs(manager: JobManager): Promise<number> {
  return (await manager.getQueueStats()).total;
}
