/**
 * Raw host figures through systeminformation — the only module of the engine that imports it.
 * CPU load % (since the previous call), memory used % from `active` memory (what programs
 * really hold; `used` counts the page cache too and sits near 100 % on a healthy Linux box),
 * and free bytes of the file system holding a given directory.
 */
import { realpath } from 'node:fs/promises';
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
export function pickMount<T extends MountInfo>(dir: string, mounts: readonly T[], platform: NodeJS.Platform = process.platform): T | null {
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

/** The real sampler, backed by systeminformation. */
export function systemHostSampler(): HostSampler {
  return {
    async readCpuMemory() {
      const [load, mem] = await Promise.all([si.currentLoad(), si.mem()]);
      const total = mem.total || 1;
      return {
        cpuPercent: clampPercent(load.currentLoad),
        memoryPercent: clampPercent((mem.active / total) * 100),
        memoryActiveBytes: mem.active,
        memoryTotalBytes: mem.total,
      };
    },
    async readDisk(dir) {
      let resolved = path.resolve(dir);
      try {
        resolved = await realpath(resolved);
      } catch {
        // not created yet: match the path as written
      }
      const mount = pickMount(resolved, await si.fsSize());
      return mount ? { mount: mount.mount, freeBytes: mount.available, totalBytes: mount.size } : null;
    },
  };
}

function clampPercent(value: number): number {
  return Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
}
