/**
 * Time and storage faults on SQLite: the engine's wall clock jumping forward or backward while
 * an interval schedule fires, and the database's file system filling up (a 3 MiB tmpfs mounted
 * for the trial; root only) while jobs run and more are submitted.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { AppError } from '../src/shared/errors';
import type { StoreAddress } from './chaos-config';
import { startEngineProcess } from './engine-process';
import { stopEngine } from './process-scenarios';
import { between, openClient, pause, submitLedgerJobs, trialDir, until, type Scenario, type TrialResult } from './trial';
import { verifyJobs, waitAllTerminal } from './verify';

const SHAPE = { workers: 1, concurrency: 4 };

/** Interval schedule (1 s, misfire run_once); one clock jump (+5–30 s or −2–6 s) 1.5–3 s after the engine is up. */
const clockJump: Scenario = {
  name: 'clock-jump',
  run: async (ctx): Promise<TrialResult> => {
    const dir = trialDir('clock-jump');
    const store: StoreAddress = { dataDir: dir };
    const ledger = join(dir, 'ledger.log');
    const forward = ctx.random() < 0.5;
    // A backward jump holds the schedule back by its size (no slot fires twice): keep it short
    // enough for the trial to see the schedule resume.
    const deltaMs = forward ? between(ctx.random, 5, 30) * 1000 : -between(ctx.random, 2, 6) * 1000;
    const engine = startEngineProcess({
      store,
      shape: SHAPE,
      clockJumps: [{ afterMs: between(ctx.random, 1500, 3000), deltaMs }],
      schedule: { name: 'tick', intervalSeconds: 1, parameters: { file: ledger }, misfirePolicy: 'run_once' },
    });
    const notes: string[] = [];
    const violations: string[] = [];
    const client = await openClient(store);
    try {
      await engine.waitForLine(/^ready/);
      await engine.waitForLine(/^jumped/);
      // Run long enough after the jump for a backward jump's wall time to be felt and for
      // schedules to resume.
      await pause(forward ? 4000 : -deltaMs + 3000);
      await stopEngine(engine);
      const db = new Database(join(dir, 'jobhandle.db'), { readonly: true });
      const fires = db.prepare('SELECT slot, job_id AS jobId, recorded_at AS recordedAt FROM schedule_fires ORDER BY recorded_at, slot').all() as Array<{ slot: number; jobId: string }>;
      db.close();
      const slots = fires.map((f) => f.slot);
      if (new Set(slots).size !== slots.length) violations.push('a slot fired twice');
      for (let i = 1; i < slots.length; i++) if (slots[i]! <= slots[i - 1]!) violations.push(`slot ${slots[i]} fired after ${slots[i - 1]}`);
      // run_once: a forward jump of D s misses ~D slots and fires at most one of them late.
      const gaps = slots.slice(1).map((s, i) => s - slots[i]!);
      const bigGap = Math.max(0, ...gaps);
      // run_once: the missed slots collapse into one catch-up, so the slots jump by about D.
      if (forward && bigGap < Math.abs(deltaMs) - 2000) violations.push(`forward jump of ${deltaMs} ms but the largest slot gap is ${bigGap} ms`);
      if (gaps.filter((g) => g < 1000).length) violations.push('slots closer than the interval');
      if (slots.length < 2) violations.push(`only ${slots.length} slots fired (jump ${deltaMs} ms)`);
      ctx.log(`clock-jump: jump ${deltaMs} ms, slots ${slots.map((s) => s % 100_000).join(' ')}; ${engine.lines.join(' | ')}`);
      const accepted = fires.map((f) => f.jobId);
      // The engine is stopped: jobs it left pending are finished by a fresh engine.
      const again = startEngineProcess({ store, shape: SHAPE });
      await again.waitForLine(/^ready/);
      if (!(await waitAllTerminal(client, accepted, 60_000))) notes.push('timed out waiting for terminal states');
      await stopEngine(again);
      const verdict = await verifyJobs(client, accepted, ledger);
      return { ...verdict, notes, violations };
    } finally {
      await stopEngine(engine);
      await client.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

function mountTmpfs(dir: string, size: string): string | null {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  return r.status === 0 ? null : (r.stderr || 'mount failed').trim();
}

function canMount(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a size-limited tmpfs';
  const dir = trialDir('mount-probe');
  try {
    const err = mountTmpfs(dir, '1M');
    if (err) return `cannot mount tmpfs: ${err}`;
    spawnSync('umount', [dir]);
    return null;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Fill the file system holding `dir` with a filler file until ENOSPC. Output: the filler's path. */
function fillDisk(dir: string): string {
  const filler = join(dir, 'filler.bin');
  const r = spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=16k'], { encoding: 'utf8' });
  if (r.status === 0) throw new Error('dd did not hit ENOSPC');
  return filler;
}

const diskFull: Scenario = {
  name: 'disk-full',
  unavailable: canMount,
  run: async (ctx): Promise<TrialResult> => {
    const dir = trialDir('disk-full');
    const mnt = join(dir, 'mnt');
    mkdirSync(mnt);
    const mountError = mountTmpfs(mnt, '4M');
    if (mountError) throw new Error(mountError);
    const store: StoreAddress = { dataDir: mnt };
    const ledger = join(dir, 'ledger.log'); // outside the full file system
    const notes: string[] = [];
    const violations: string[] = [];
    const engine = startEngineProcess({ store, shape: { workers: 1, concurrency: 4 } });
    let client: Awaited<ReturnType<typeof openClient>> | null = null;
    try {
      await engine.waitForLine(/^ready/);
      client = await openClient(store);
      const accepted = await submitLedgerJobs(client, ledger, ctx.jobs, ctx.random, 60);
      await until(() => engine.completed() >= Math.floor(ctx.jobs * 0.1), 'first completions');
      const filler = fillDisk(mnt);
      // A new submission must fail with STORAGE_FULL, not crash, not half-write.
      let rejected = 0;
      for (let i = 0; i < 5; i++) {
        try {
          // A big payload cannot fit in the free pages SQLite still has.
          await client.submitJob({ type: 'ledger', parameters: { file: ledger, pad: 'x'.repeat(200_000) } });
        } catch (err) {
          if (err instanceof AppError && err.code === 'STORAGE_FULL') rejected++;
          else violations.push(`submission failed with ${(err as AppError).code ?? ''}: ${(err as Error).message}`);
        }
      }
      if (rejected === 0) notes.push('no submission was rejected (free pages absorbed them)');
      await pause(between(ctx.random, 300, 1500));
      unlinkSync(filler);
      if (!(await waitAllTerminal(client, accepted, 90_000))) notes.push('timed out waiting for terminal states');
      if (engine.errors().some((l) => l.includes('STORAGE_FULL'))) notes.push('engine reported STORAGE_FULL');
      await stopEngine(engine);
      const verdict = await verifyJobs(client, accepted, ledger);
      return { ...verdict, notes, violations };
    } finally {
      await stopEngine(engine);
      await client?.close();
      spawnSync('umount', ['-l', mnt]);
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

/** Clock jump and full disk. */
export const STORE_SCENARIOS: Scenario[] = [clockJump, diskFull];
