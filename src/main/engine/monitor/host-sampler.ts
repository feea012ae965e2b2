/**
 * Raw host figures: CPU load % (since the previous call), memory used % from `active` memory
 * (what programs really hold; `used` counts the page cache too and sits near 100 % on a healthy
 * Linux box), and free bytes of the file system holding a given directory.
 *
 * On Linux, CPU and memory come from async reads of /proc/stat and /proc/meminfo: the engine's
 * event loop samples them every second while jobs run, and systeminformation's `currentLoad`
 * runs `cat /proc/stat | grep cpu` through execSync there (a blocking child process per sample).
 * The disk figures too: the mount from /proc/self/mounts and its sizes from statfs(2), where
 * systeminformation's `fsSize` spawns `df`. Elsewhere systeminformation — the only module of the
 * engine that imports it.
 */
import { readFile, realpath, statfs } from 'node:fs/promises';
import path from 'node:path';
import si from 'systeminformation';

export interface CpuMemoryReading {
  /** Whole-host CPU load, 0–100. */
  cpuPercent: number;
  /** Active memory / total, 0–100. */
  memoryPercent: number;
  memoryActiveBytes: number;
  memoryTotalBytes: number;
}

export interface DiskReading {
  /** Mount point the directory lives on. */
  mount: string;
  freeBytes: number;
  totalBytes: number;
}

/** Where host figures come from; tests inject scripted ones. */
export interface HostSampler {
  /** Errors: rejects when the platform query fails. */
  readCpuMemory(): Promise<CpuMemoryReading>;
  /** Null when no mounted file system holds `dir`. Errors: rejects when the query fails. */
  readDisk(dir: string): Promise<DiskReading | null>;
}

/** A file system as listed by `fsSize`. */
export interface MountInfo {
  mount: string;
  available: number;
  size: number;
}

/**
 * The mount that holds `dir`: the longest mount point that is `dir` or one of its ancestors.
 * Windows mounts (`C:`) match case-insensitively. Returns null when none matches.
 */
export function pickMount<T extends Pick<MountInfo, 'mount'>>(dir: string, mounts: readonly T[], platform: NodeJS.Platform = process.platform): T | null {
  const win = platform === 'win32';
  const sep = win ? '\\' : '/';
  const norm = (p: string): string => {
    let s = win ? p.replace(/\//g, '\\').toLowerCase() : p;
    while (s.length > 1 && s.endsWith(sep)) s = s.slice(0, -1);
    return s;
  };
  const target = norm(dir);
  let best: T | null = null;
  let bestLength = -1;
  for (const m of mounts) {
    if (!m.mount) continue;
    const mount = norm(m.mount);
    const matches = mount === '/' || target === mount || target.startsWith(mount + sep);
    if (matches && mount.length > bestLength) {
      best = m;
      bestLength = mount.length;
    }
  }
  return best;
}

/** Cumulative CPU time of the whole host, in clock ticks. */
export interface CpuTicks {
  /** Time not idle: user (guest included), nice, system, irq, softirq, steal. */
  busy: number;
  /** busy + idle + iowait. */
  total: number;
}

/** The aggregate `cpu` line of /proc/stat; null when absent or malformed. */
export function parseProcStatCpu(text: string): CpuTicks | null {
  const match = /^cpu +(.*)$/m.exec(text);
  if (!match) return null;
  const f = match[1]!.trim().split(/ +/).map(Number);
  if (f.length < 4 || f.slice(0, 4).some((v) => !Number.isFinite(v))) return null;
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f.map((v) => (Number.isFinite(v) ? v : 0));
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/**
 * Total and active bytes from /proc/meminfo, as systeminformation's `mem()` computes them:
 * active = MemTotal − MemAvailable (kernels without MemAvailable: MemFree + Buffers + Cached +
 * Slab stand in for it). Null when MemTotal is missing.
 */
export function parseMemInfo(text: string): { totalBytes: number; activeBytes: number } | null {
  const kb = (name: string): number | null => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : null;
  };
  const total = kb('MemTotal');
  if (!total) return null;
  const available = kb('MemAvailable') ?? (kb('MemFree') ?? 0) + (kb('Buffers') ?? 0) + (kb('Cached') ?? 0) + (kb('Slab') ?? 0);
  return { totalBytes: total, activeBytes: total - available };
}

/** Mount points of /proc/self/mounts (second field, its octal escapes such as `\\040` decoded). */
export function parseProcMounts(text: string): string[] {
  const mounts: string[] = [];
  for (const line of text.split('\n')) {
    const field = line.split(' ')[1];
    if (field) mounts.push(field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  }
  return mounts;
}

/**
 * Linux disk figures of the file system holding `dir` (resolved): its mount, free bytes for
 * unprivileged users (f_bavail, df's "Available") and size. Errors: rejects when
 * /proc/self/mounts or statfs fails.
 */
async function linuxDisk(dir: string): Promise<DiskReading | null> {
  const mounts = parseProcMounts(await readFile('/proc/self/mounts', 'utf8')).map((mount) => ({ mount }));
  const picked = pickMount(dir, mounts, 'linux');
  if (!picked) return null;
  const fs = await statfs(picked.mount);
  return { mount: picked.mount, freeBytes: fs.bavail * fs.bsize, totalBytes: fs.blocks * fs.bsize };
}

/** A first reading measures over this interval, not since boot (as systeminformation does). */
const FIRST_CPU_INTERVAL_MS = 500;
/** Readings closer together than this repeat the previous figure (too few ticks to be meaningful). */
const MIN_CPU_INTERVAL_MS = 200;

/** The previous /proc/stat reading, shared by every sampler of the process (one host). */
let cpuBaseline: { at: number; ticks: CpuTicks; percent: number } | null = null;

async function readCpuTicks(): Promise<CpuTicks> {
  const ticks = parseProcStatCpu(await readFile('/proc/stat', 'utf8'));
  if (!ticks) throw new Error('no cpu line in /proc/stat');
  return ticks;
}

/** Host CPU load % since the previous call (Linux). Errors: rejects when /proc/stat is unreadable. */
async function linuxCpuPercent(): Promise<number> {
  if (cpuBaseline === null) {
    cpuBaseline = { at: performance.now(), ticks: await readCpuTicks(), percent: 0 };
    await new Promise((resolve) => setTimeout(resolve, FIRST_CPU_INTERVAL_MS));
  }
  const now = performance.now();
  if (now - cpuBaseline.at < MIN_CPU_INTERVAL_MS) return cpuBaseline.percent;
  const ticks = await readCpuTicks();
  const elapsed = ticks.total - cpuBaseline.ticks.total;
  const percent = elapsed > 0 ? ((ticks.busy - cpuBaseline.ticks.busy) / elapsed) * 100 : cpuBaseline.percent;
  cpuBaseline = { at: now, ticks, percent };
  return percent;
}

/** Linux memory figures. Errors: rejects when /proc/meminfo is unreadable or has no MemTotal. */
async function linuxMemory(): Promise<{ totalBytes: number; activeBytes: number }> {
  const mem = parseMemInfo(await readFile('/proc/meminfo', 'utf8'));
  if (!mem) throw new Error('no MemTotal in /proc/meminfo');
  return mem;
}

/** The real sampler: /proc on Linux, systeminformation elsewhere and for the disk. */
export function systemHostSampler(platform: NodeJS.Platform = process.platform): HostSampler {
  const linux = platform === 'linux' || platform === 'android';
  return {
    async readCpuMemory() {
      let cpuPercent: number;
      let active: number;
      let total: number;
      if (linux) {
        const [cpu, mem] = await Promise.all([linuxCpuPercent(), linuxMemory()]);
        cpuPercent = cpu;
        active = mem.activeBytes;
        total = mem.totalBytes;
      } else {
        const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
        cpuPercent = load.currentLoad;
        active = mem.active;
        total = mem.total;
      }
      return {
        cpuPercent: clampPercent(cpuPercent),
        memoryPercent: clampPercent((active / (total || 1)) * 100),
        memoryActiveBytes: active,
        memoryTotalBytes: total,
      };
    },
    async readDisk(dir) {
      let resolved = path.resolve(dir);
      try {
        resolved = await realpath(resolved);
      } catch {
        // not created yet: match the path as written
      }
      if (linux) return linuxDisk(resolved);
      const mount = pickMount(resolved, await si.fsSize());
      return mount ? { mount: mount.mount, freeBytes: mount.available, totalBytes: mount.size } : null;
    },
  };
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}
