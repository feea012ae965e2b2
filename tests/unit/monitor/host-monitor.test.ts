import { tmpdir, totalmem } from 'node:os';
import si from 'systeminformation';
import { describe, expect, it } from 'vitest';
import { createManualClock } from '../../../src/main/engine/governor';
import { HostMonitor, systemHostSampler, type HostSample, type HostSampler } from '../../../src/main/engine/monitor';

const flush = () => new Promise<void>((r) => setImmediate(r));

/** A sampler that plays back scripted CPU figures and counts disk reads. */
function scripted(cpu: number[]) {
  let i = 0;
  const calls = { cpu: 0, disk: 0 };
  const sampler: HostSampler = {
    readCpuMemory: async () => {
      calls.cpu++;
      const value = cpu[Math.min(i++, cpu.length - 1)]!;
      if (Number.isNaN(value)) throw new Error('sensor failed');
      return { cpuPercent: value, memoryPercent: 40, memoryActiveBytes: 4, memoryTotalBytes: 10 };
    },
    readDisk: async (dir) => {
      calls.disk++;
      return { mount: `/mnt-of${dir}`, freeBytes: 1000 - calls.disk, totalBytes: 2000 };
    },
  };
  return { sampler, calls };
}

describe('HostMonitor (scripted samples, manual clock)', () => {
  it('samples on its interval, reads disk less often, and delivers samples to listeners', async () => {
    const clock = createManualClock(10_000);
    const { sampler, calls } = scripted([10, 20, 30, 40, 50, 60, 70]);
    const monitor = new HostMonitor({ clock, sampler, intervalMs: 1000, diskIntervalMs: 3000, dataDir: '/data' });
    const seen: HostSample[] = [];
    const off = monitor.onSample((s) => seen.push(s));
    expect(monitor.latest()).toBeNull();
    monitor.start();
    monitor.start(); // idempotent
    await flush();
    for (let s = 0; s < 5; s++) {
      clock.advance(1000);
      await flush();
    }
    expect(seen.map((s) => s.cpuPercent)).toEqual([10, 20, 30, 40, 50, 60]);
    expect(seen.map((s) => s.at)).toEqual([10_000, 11_000, 12_000, 13_000, 14_000, 15_000]);
    expect(calls.disk).toBe(2); // at 10 s and 13 s
    expect(seen[2]).toMatchObject({ diskFreeBytes: 999, diskAt: 10_000, diskMount: '/mnt-of/data' });
    expect(seen[3]).toMatchObject({ diskFreeBytes: 998, diskAt: 13_000 });
    expect(monitor.latest()).toBe(seen[5]);
    off();
    monitor.stop();
    expect(clock.pendingTimers()).toBe(0);
    clock.advance(10_000);
    await flush();
    expect(calls.cpu).toBe(6);
    expect(monitor.isRunning()).toBe(false);
  });

  it('reports a failed read and keeps going', async () => {
    const clock = createManualClock(0);
    const { sampler } = scripted([10, NaN, 30]);
    const monitor = new HostMonitor({ clock, sampler });
    const errors: unknown[] = [];
    monitor.onError((e) => errors.push(e));
    monitor.start();
    await flush();
    clock.advance(1000);
    await flush();
    clock.advance(1000);
    await flush();
    expect(errors).toHaveLength(1);
    expect(monitor.latest()).toMatchObject({ cpuPercent: 30, diskFreeBytes: null });
    monitor.stop();
  });

  it('does not start a second loop when restarted while a sample is in flight', async () => {
    const clock = createManualClock(0);
    const { sampler, calls } = scripted([1]);
    const monitor = new HostMonitor({ clock, sampler });
    monitor.start();
    monitor.stop();
    monitor.start();
    await flush();
    expect(clock.pendingTimers()).toBe(1);
    clock.advance(1000);
    await flush();
    expect(calls.cpu).toBe(2);
    monitor.stop();
  });
});

describe('HostMonitor with the real host sampler (/proc on Linux, systeminformation elsewhere)', () => {
  it('reads real figures, and one CPU+memory sample is cheap', async () => {
    const sampler = systemHostSampler();
    const diskStart = performance.now();
    await sampler.readDisk(tmpdir());
    const diskMs = performance.now() - diskStart;
    const monitor = new HostMonitor({ dataDir: tmpdir() });
    // The first sample includes the disk read and the first CPU reading, which waits ~0.5 s to
    // measure an interval. Later ones are spaced like real ticks (readings closer than 200 ms
    // repeat the previous figure, which would understate the cost).
    const first = await monitor.sampleNow();
    const costs: number[] = [];
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 300));
      costs.push((await monitor.sampleNow()).costMs);
    }
    costs.sort((a, b) => a - b);
    console.log(
      `[host-monitor] disk read ${diskMs.toFixed(1)} ms; first sample with disk ${first.costMs.toFixed(1)} ms; CPU+memory sample median ${costs[2]!.toFixed(1)} ms (min ${costs[0]!.toFixed(1)}, max ${costs[4]!.toFixed(1)}); cpu ${first.cpuPercent.toFixed(0)}%, memory ${first.memoryPercent.toFixed(0)}%, disk free ${((first.diskFreeBytes ?? 0) / 2 ** 30).toFixed(1)} GiB on ${first.diskMount}`,
    );
    expect(first.cpuPercent).toBeGreaterThanOrEqual(0);
    expect(first.cpuPercent).toBeLessThanOrEqual(100);
    expect(first.memoryPercent).toBeGreaterThan(0);
    expect(first.memoryPercent).toBeLessThan(100);
    expect(first.memoryTotalBytes).toBeGreaterThan(first.memoryActiveBytes);
    expect(first.diskFreeBytes).toBeGreaterThan(0);
    expect(first.diskMount).not.toBeNull();
  });

  it.runIf(process.platform === 'linux')('reads on Linux what systeminformation reads: total memory, the mount and size of a disk', async () => {
    const sampler = systemHostSampler();
    const mem = await sampler.readCpuMemory();
    expect(mem.memoryTotalBytes).toBe(totalmem());
    expect(mem.memoryTotalBytes).toBe((await si.mem()).total);
    const disk = await sampler.readDisk(tmpdir());
    const df = (await si.fsSize()).find((f) => f.mount === disk?.mount);
    expect(df, `systeminformation lists the mount ${disk?.mount}`).toBeDefined();
    expect(disk!.totalBytes).toBe(df!.size);
    // Free space moves while tests write: within 1 % of the disk.
    expect(Math.abs(disk!.freeBytes - df!.available)).toBeLessThan(df!.size / 100);
  });

  it('finds the mount of a directory that does not exist yet', async () => {
    const disk = await systemHostSampler().readDisk(`${tmpdir()}/jobhandle-not-created/x`);
    expect(disk?.freeBytes).toBeGreaterThan(0);
  });
});
