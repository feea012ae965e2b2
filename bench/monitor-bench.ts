/**
 * The resource monitor's own cost: CPU time of the engine process (process.cpuUsage, user +
 * system) with monitoring on (host sampling every second, per-job process-tree sampling every
 * second while jobs run) vs off, over the same idle and loaded periods. Loaded = a steady stream
 * of jobs that sleep 200 ms (so jobs are always running, and sampled). Reported as CPU ms per
 * second of wall time, and the on/off ratio.
 */
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import { sleep, tempDir, type BenchRow } from './bench-util';

const SLEEP = fileURLToPath(new URL('./handlers/sleep.mjs', import.meta.url));

export interface MonitorBenchOptions {
  /** Length of each measured period, s. */
  seconds: number;
  /** Jobs submitted per second during the loaded period. */
  rate: number;
}

async function cpuMsPerSecond(seconds: number, during?: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  const t0 = performance.now();
  if (during) await during();
  else await sleep(seconds * 1000);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / ((performance.now() - t0) / 1000);
}

async function measure(monitoring: boolean, o: MonitorBenchOptions): Promise<{ idle: number; loaded: number }> {
  const t = tempDir(`monitor-${monitoring ? 'on' : 'off'}`);
  const config = loadConfig({
    env: {},
    overrides: {
      dataDir: t.dir,
      handlers: { sleep: { module: SLEEP } },
      workers: { min: 2, max: 2, concurrency: 8 },
      resources: { monitoring, autoScale: false, hostIntervalMs: 1000, sampleIntervalMs: 1000 },
    },
  });
  const m = await JobManager.open({ config });
  try {
    await m.start();
    await sleep(1000); // let start-up settle
    const idle = await cpuMsPerSecond(o.seconds);
    const loaded = await cpuMsPerSecond(o.seconds, async () => {
      const end = performance.now() + o.seconds * 1000;
      while (performance.now() < end) {
        await m.submitJobs(Array.from({ length: Math.max(1, Math.round(o.rate / 10)) }, () => ({ type: 'sleep', parameters: {} })));
        await sleep(100);
      }
    });
    return { idle, loaded };
  } finally {
    await m.close();
    t.cleanup();
  }
}

/** Runs off, then on, then off and on again, and keeps the lower figure of each (less noise). */
export async function monitorBench(o: MonitorBenchOptions): Promise<BenchRow[]> {
  const off1 = await measure(false, o);
  const on1 = await measure(true, o);
  const off2 = await measure(false, o);
  const on2 = await measure(true, o);
  const off = { idle: Math.min(off1.idle, off2.idle), loaded: Math.min(off1.loaded, off2.loaded) };
  const on = { idle: Math.min(on1.idle, on2.idle), loaded: Math.min(on1.loaded, on2.loaded) };
  const unit = 'CPU ms/s';
  return [
    { group: 'monitor off, idle', name: 'engine CPU', value: off.idle, unit },
    { group: 'monitor on, idle', name: 'engine CPU', value: on.idle, unit, peer: 'monitor off, idle' },
    { group: 'monitor off, loaded', name: `engine CPU, ${o.rate} jobs/s`, value: off.loaded, unit },
    { group: 'monitor on, loaded', name: `engine CPU, ${o.rate} jobs/s`, value: on.loaded, unit, peer: 'monitor off, loaded' },
  ];
}
