/**
 * Opt-in profiling for the browser E2E (JOBHANDLE_E2E_PROFILE=1): a V8 CPU profile over CDP around
 * a stretch of page activity, summarised as the top self-time functions inside the busy stretches
 * of each long task the browser reported meanwhile (PerformanceObserver 'longtask').
 * The raw profile is written next to the perf figures so it can be opened in DevTools.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** A long task and its top self-time functions. */
export interface BusyStretch {
  /** performance.now() at its start, and its duration. */
  start: number;
  ms: number;
  top: Array<{ fn: string; selfMs: number }>;
  /** The outermost non-trivial frames active in it (what started the task). */
  roots: Array<{ fn: string; ms: number }>;
}

/** True when the E2E should profile (JOBHANDLE_E2E_PROFILE=1). */
export function profilingEnabled(): boolean {
  return process.env.JOBHANDLE_E2E_PROFILE === '1';
}

/** A running profile: its CDP session and the page's performance.now() when it started. */
export interface RunningProfile {
  cdp: CDPSession;
  pageT0: number;
}

/**
 * Start a sampling CPU profile of `page` (100 µs interval) and record long tasks with their start
 * times. JOBHANDLE_E2E_CPU_THROTTLE=N slows the page's CPU N times (to magnify what is slow).
 * Output: the running profile to stop.
 */
export async function startCpuProfile(page: Page): Promise<RunningProfile> {
  const cdp = await page.context().newCDPSession(page);
  const throttle = Number(process.env.JOBHANDLE_E2E_CPU_THROTTLE ?? 1);
  if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  await page.evaluate(`(() => {
    window.__profiledTasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__profiledTasks.push({ start: e.startTime, ms: e.duration });
    }).observe({ type: 'longtask', buffered: false });
  })()`);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const pageT0 = await page.evaluate<number>('performance.now()');
  return { cdp, pageT0 };
}

function label(n: ProfileNode): string {
  const f = n.callFrame;
  const file = f.url ? f.url.split('/').pop() : '';
  return `${f.functionName || '(anonymous)'}${file ? ` ${file}:${f.lineNumber + 1}:${f.columnNumber + 1}` : ''}`;
}

/**
 * Stop the profile, write it to `dir/name.cpuprofile`, and summarise each long task the page saw
 * meanwhile (its top self-time functions and entry frames). Output: the tasks, longest first.
 */
export async function stopCpuProfile(page: Page, run: RunningProfile, dir: string, name: string): Promise<BusyStretch[]> {
  const { profile } = (await run.cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  await run.cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await run.cdp.detach();
  const tasks = await page.evaluate<Array<{ start: number; ms: number }>>('window.__profiledTasks.splice(0)');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const rootId = profile.nodes[0]!.id;
  // Sample times in the page's performance.now() clock (µs → ms, offset by the start).
  const times: number[] = [];
  let t = profile.startTime;
  for (const dt of profile.timeDeltas) times.push(((t += dt) - profile.startTime) / 1000 + run.pageT0);
  const out: BusyStretch[] = [];
  for (const task of tasks) {
    const self = new Map<string, number>();
    const roots = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const at = times[i]!;
      if (at < task.start - 2 || at > task.start + task.ms + 2) return;
      const dt = ((times[i + 1] ?? at) - at);
      const n = byId.get(id)!;
      self.set(label(n), (self.get(label(n)) ?? 0) + dt);
      // The outermost frames under (root) and one below: what started the work.
      const chain: number[] = [];
      for (let x = id; x !== rootId && x !== undefined; x = parent.get(x)!) chain.unshift(x);
      const r = chain.slice(0, 3).map((x) => label(byId.get(x)!)).join(' > ');
      roots.set(r, (roots.get(r) ?? 0) + dt);
    });
    const sorted = (m: Map<string, number>, k: number) => [...m].sort((a, b) => b[1] - a[1]).slice(0, k);
    out.push({
      start: Math.round(task.start),
      ms: Math.round(task.ms),
      top: sorted(self, 15).map(([fn, v]) => ({ fn, selfMs: Math.round(v * 10) / 10 })),
      roots: sorted(roots, 8).map(([fn, v]) => ({ fn, ms: Math.round(v * 10) / 10 })),
    });
  }
  out.sort((a, b) => b.ms - a.ms);
  writeFileSync(join(dir, `${name}-long-tasks.json`), `${JSON.stringify({ pageT0: run.pageT0, tasks: out }, null, 1)}\n`);
  return out;
}
