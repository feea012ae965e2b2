/**
 * The scheduler under 1,000 active cron schedules on the embedded SQLite store:
 * - fire lateness: time from a slot to the commit of its job (SchedulerService's report), with
 *   100 every-second schedules (`* * * * * *`) and 900 every-minute ones spread over the
 *   minute (`S * * * * *`, S = 0…59): about 115 fires a second, jobs run by real workers;
 * - idle engine CPU: 1,000 schedules none of which is due (yearly), the engine process's
 *   process.cpuUsage over a window (default 10 s), as a share of one core.
 * Goals (issue 3): lateness p99 < 50 ms; idle CPU < 1% of a core.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import { percentile, sleep, tempDir, type BenchRow } from './bench-util';

const NOOP = fileURLToPath(new URL('./handlers/noop.mjs', import.meta.url));

export interface SchedulerBenchOptions {
  /** How long fires are measured (s). Default 15. */
  seconds: number;
  /** Idle CPU window (s). Default 10. */
  idleSeconds: number;
  schedules: number;
}

async function openEngine(dir: string): Promise<JobManager> {
  const config = loadConfig({
    env: {},
    overrides: { dataDir: dir, handlers: { noop: { module: NOOP } }, workers: { min: 1, max: 1, concurrency: 200 } },
  });
  return JobManager.open({ config });
}

async function lateness(o: SchedulerBenchOptions): Promise<BenchRow[]> {
  const t = tempDir('sched-late');
  const m = await openEngine(t.dir);
  const everySecond = Math.round(o.schedules / 10);
  for (let i = 0; i < o.schedules; i++) {
    await m.createSchedule({
      type: 'noop',
      parameters: { i },
      cronExpression: i < everySecond ? '* * * * * *' : `${i % 60} * * * * *`,
      timezone: 'UTC',
      overlapPolicy: 'allow',
    });
  }
  await m.start();
  await sleep(1500); // workers up, first second settled
  const late: number[] = [];
  const stop = m.schedulerService!.listen((r) => {
    for (const f of r.fired) late.push(f.latenessMs);
  });
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await sleep(o.seconds * 1000);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  stop();
  await m.close();
  t.cleanup();
  const group = `scheduler ${o.schedules} cron`;
  return [
    { group, name: 'fires measured', value: late.length, unit: 'fires', note: `${(late.length / (elapsed / 1000)).toFixed(0)}/s` },
    { group, name: 'fire lateness p50', value: percentile(late, 50), unit: 'ms' },
    { group, name: 'fire lateness p99', value: percentile(late, 99), unit: 'ms', note: 'goal < 50' },
    { group, name: 'fire lateness max', value: Math.max(...late), unit: 'ms' },
    { group, name: 'engine CPU while firing', value: ((cpu.user + cpu.system) / 1000 / elapsed) * 100, unit: '% of a core' },
  ];
}

async function idleCpu(o: SchedulerBenchOptions): Promise<BenchRow[]> {
  const t = tempDir('sched-idle');
  const m = await openEngine(t.dir);
  for (let i = 0; i < o.schedules; i++) {
    await m.createSchedule({ type: 'noop', cronExpression: `${i % 60} ${i % 24} 1 1 *`, timezone: 'UTC' });
  }
  await m.start();
  await sleep(2000); // let start-up work settle
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await sleep(o.idleSeconds * 1000);
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpu0);
  const active = (await m.listSchedules({ active: true, limit: 1000 })).schedules.length;
  await m.close();
  t.cleanup();
  return [
    {
      group: `scheduler ${o.schedules} cron`,
      name: `idle engine CPU (${o.idleSeconds} s, ${active} active schedules, none due)`,
      value: ((cpu.user + cpu.system) / 1000 / elapsed) * 100,
      unit: '% of a core',
      note: 'goal < 1',
    },
  ];
}

/** Both measurements; rows for bench/run.ts. */
export async function schedulerBench(options: Partial<SchedulerBenchOptions> = {}): Promise<BenchRow[]> {
  const o: SchedulerBenchOptions = { seconds: 15, idleSeconds: 10, schedules: 1000, ...options };
  return [...(await lateness(o)), ...(await idleCpu(o))];
}
