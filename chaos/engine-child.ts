/**
 * A child engine for the chaos and soak harnesses:
 *   node --import tsx chaos/engine-child.ts '<ChildOptions as JSON>'
 * Opens a JobManager on the given store, starts it and reports on stdout, one line each:
 *   `ready <engine pid>`, `workers <pid> <pid>…` (after start and whenever asked with SIGUSR2),
 *   `completed <n>` (every `reportEvery` completions), `error <code> <message>` (engine:error),
 *   `stopped` (after a graceful stop on SIGTERM; then it exits 0), `mem <rss> <heapUsed> <external>
 *   <arrayBuffers>` every `memEverySeconds`.
 * `clockJumps` shifts the engine's Clock (wall time) by `deltaMs` `afterMs` after `ready`.
 * `schedule` creates an interval schedule of the ledger handler at start.
 */
import { JobManager } from '../src/main/engine/manager';
import type { Clock } from '../src/main/engine/clock';
import { chaosConfig, type EngineShape, type StoreAddress } from './chaos-config';

export interface ChildOptions {
  store: StoreAddress;
  shape: EngineShape;
  clockJumps?: Array<{ afterMs: number; deltaMs: number }>;
  schedule?: { name: string; intervalSeconds: number; parameters: Record<string, unknown>; misfirePolicy?: string };
  reportEvery?: number;
  /** Print `mem <rss> <heapUsed> <external> <arrayBuffers>` (bytes) every this many seconds. */
  memEverySeconds?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
let offset = 0;
const clock: Clock = { now: () => Date.now() + offset };

const manager = await JobManager.open({ config: chaosConfig(options.store, options.shape), clock });
let completed = 0;
const every = options.reportEvery ?? 1;
manager.on('job:completed', () => {
  completed++;
  if (completed % every === 0) process.stdout.write(`completed ${completed}\n`);
});
manager.on('engine:error', (e) => process.stdout.write(`error ${e.code} ${e.message.replace(/\n/g, ' ')}\n`));
const reportWorkers = () => {
  const pids = manager.listWorkers().map((w) => w.pid).filter((p): p is number => typeof p === 'number');
  process.stdout.write(`workers ${pids.join(' ')}\n`);
};
process.on('SIGUSR2', reportWorkers);
if (options.memEverySeconds) {
  setInterval(() => {
    const m = process.memoryUsage();
    process.stdout.write(`mem ${m.rss} ${m.heapUsed} ${m.external} ${m.arrayBuffers}\n`);
  }, options.memEverySeconds * 1000).unref();
}
let stopping = false;
process.on('SIGTERM', () => {
  if (stopping) return;
  stopping = true;
  void manager
    .close()
    .then(() => {
      process.stdout.write('stopped\n');
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stdout.write(`error STOP ${(err as Error).message}\n`);
      process.exit(1);
    });
});
await manager.start();
if (options.schedule) {
  const existing = await manager.listSchedules({});
  if (!existing.schedules.some((s) => s.definition.name === options.schedule!.name)) {
    await manager.createSchedule({ type: 'ledger', ...options.schedule });
  }
}
// Jumps count from here (engine started, schedule created), so the schedule has fired before.
for (const jump of options.clockJumps ?? []) {
  setTimeout(() => {
    offset += jump.deltaMs;
    process.stdout.write(`jumped ${jump.deltaMs}\n`);
  }, jump.afterMs);
}
process.stdout.write(`ready ${process.pid}\n`);
reportWorkers();
