/**
 * Process faults on the SQLite backend: a worker killed with SIGKILL mid-job, the engine killed
 * with SIGKILL mid-run and restarted, the engine stopped with SIGTERM under load and restarted.
 * Jobs are submitted by a client in the harness (accepted = the submit returned), half before
 * the engine starts and half while it runs.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineShape, StoreAddress } from './chaos-config';
import { startEngineProcess, type EngineProcess } from './engine-process';
import { between, openClient, pause, submitLedgerJobs, trialDir, until, type Scenario, type TrialContext, type TrialResult } from './trial';
import { verifyJobs, waitAllTerminal } from './verify';

type Fault = 'worker-kill' | 'engine-kill' | 'engine-term';
const SHAPE: EngineShape = { workers: 2, concurrency: 4 };

/** Stop a child engine gracefully (SIGTERM), SIGKILL after 20 s. Output: ms taken and how it ended. */
export async function stopEngine(engine: EngineProcess): Promise<{ ms: number; how: number | NodeJS.Signals | null }> {
  const t0 = Date.now();
  engine.kill('SIGTERM');
  const timer = setTimeout(() => engine.kill('SIGKILL'), 20_000);
  const how = await engine.exited;
  clearTimeout(timer);
  return { ms: Date.now() - t0, how };
}

/**
 * One trial of `fault` against an engine on `store` (SQLite or Redis alike); `inject` runs the
 * fault (default: the process fault). Every accepted job must reach a terminal status within
 * `settleMs` of the fault. Output: the verdict plus notes.
 */
export async function faultTrial(
  ctx: TrialContext,
  store: StoreAddress,
  ledger: string,
  inject: (engine: EngineProcess, notes: string[]) => Promise<EngineProcess>,
  shape: EngineShape = SHAPE,
  settleMs = 90_000,
): Promise<TrialResult> {
  const client = await openClient(store);
  const notes: string[] = [];
  let engine: EngineProcess | null = null;
  try {
    const half = Math.ceil(ctx.jobs / 2);
    const accepted = await submitLedgerJobs(client, ledger, half, ctx.random);
    engine = startEngineProcess({ store, shape, reportEvery: 1 });
    await engine.waitForLine(/^ready/);
    accepted.push(...(await submitLedgerJobs(client, ledger, ctx.jobs - half, ctx.random)));
    // Strike somewhere between 5% and 70% of the way through.
    const at = Math.floor(ctx.jobs * (0.05 + ctx.random() * 0.65));
    const current = engine;
    await until(() => current.completed() >= at, `${at} completions`);
    engine = await inject(engine, notes);
    const done = await waitAllTerminal(client, accepted, settleMs);
    if (!done) notes.push('timed out waiting for terminal states');
    // What a user would have seen: the engine:error codes of the run.
    const codes = new Set(engine.errors().map((l) => l.split(' ')[1]));
    if (codes.size) notes.push(`engine:error ${[...codes].sort().join(', ')}`);
    const stop = await stopEngine(engine);
    if (stop.how !== 0 || stop.ms > 5000) notes.push(`graceful stop after the fault took ${Math.round(stop.ms / 1000)} s (${String(stop.how)})`);
    engine = null;
    const verdict = await verifyJobs(client, accepted, ledger);
    return { ...verdict, notes };
  } finally {
    if (engine) await stopEngine(engine);
    await client.close();
  }
}

/** The fault injectors of the process scenarios. */
export function processFault(fault: Fault, ctx: TrialContext, restart: () => EngineProcess) {
  return async (engine: EngineProcess, notes: string[]): Promise<EngineProcess> => {
    if (fault === 'worker-kill') {
      const kills = between(ctx.random, 1, 2);
      for (let i = 0; i < kills; i++) {
        const pids = engine.workerPids();
        if (!pids.length) break;
        const victim = pids[Math.floor(ctx.random() * pids.length)]!;
        process.kill(victim, 'SIGKILL');
        if (i + 1 < kills) await pause(between(ctx.random, 20, 300));
      }
      return engine;
    }
    engine.kill(fault === 'engine-kill' ? 'SIGKILL' : 'SIGTERM');
    const how = await engine.exited;
    if (fault === 'engine-term' && how !== 0) notes.push(`graceful stop exited with ${String(how)}`);
    await pause(between(ctx.random, 0, 300));
    const next = restart();
    await next.waitForLine(/^ready/);
    return next;
  };
}

function sqliteScenario(name: string, fault: Fault): Scenario {
  return {
    name,
    run: async (ctx) => {
      const dir = trialDir(name);
      const store: StoreAddress = { dataDir: dir };
      const ledger = join(dir, 'ledger.log');
      try {
        return await faultTrial(ctx, store, ledger, processFault(fault, ctx, () => startEngineProcess({ store, shape: SHAPE })));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The three SQLite process scenarios. */
export const PROCESS_SCENARIOS: Scenario[] = [
  sqliteScenario('worker-sigkill', 'worker-kill'),
  sqliteScenario('engine-sigkill', 'engine-kill'),
  sqliteScenario('engine-sigterm', 'engine-term'),
];
