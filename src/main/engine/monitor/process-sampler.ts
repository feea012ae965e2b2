/**
 * Per-process-tree CPU % and resident memory, for worker processes and for the processes a job
 * spawns. One batched read of the process table per `sample()` call serves every tree.
 *
 * CPU % is the CPU time a process consumed between two samples divided by the wall time between
 * them, ×100 — so 100 % is one full core and a tree using three cores shows 300 %. A process
 * first seen in a sample after the first one started after the previous sample, so all its
 * CPU time falls within the interval and counts (a short-lived busy grandchild is not missed if
 * it is alive at the sample). The very first sample has no interval: CPU % is null.
 * A tree's figures are the sums over the root and all its descendants.
 */
import { systemClock, type Clock } from '../clock';
import { processReaderFor, type ProcessTableReader } from './process-readers';
import { collectTree, indexChildren, type ProcessEntry } from './process-table';

/** One process within a sampled tree. */
export interface ProcessUsage {
  pid: number;
  ppid: number;
  /** null on the first sample. */
  cpuPercent: number | null;
  rssBytes: number;
}

/** A root pid with its descendants. */
export interface ProcessTreeUsage {
  /** The root pid asked for. */
  pid: number;
  /** False when the root is gone (every figure is then 0 / null). */
  alive: boolean;
  /** Sum over the tree; 100 = one core; null on the first sample. */
  cpuPercent: number | null;
  /** Sum over the tree, bytes. */
  rssBytes: number;
  /** The same in MiB, rounded to 0.1. */
  memoryMb: number;
  /** Every process of the tree, root first. */
  processes: ProcessUsage[];
}

export interface ProcessSample {
  /** Epoch ms (from the clock). */
  at: number;
  /** Wall time the read took, ms (the monitor's own cost). */
  costMs: number;
  /** By root pid. */
  trees: Map<number, ProcessTreeUsage>;
}

export interface ProcessSamplerOptions {
  /** Process-table reader; the platform's by default. Tests inject one. */
  reader?: ProcessTableReader;
  /** Timestamps of samples. */
  clock?: Clock;
  /** Monotonic ms for CPU-time intervals; `performance.now()` by default. */
  monotonicNow?: () => number;
}

interface Previous {
  at: number;
  cpu: Map<number, { cpuTimeMs: number; startKey: string | undefined }>;
}

export class ProcessSampler {
  private readonly reader: ProcessTableReader;
  private readonly clock: Clock;
  private readonly monotonicNow: () => number;
  private previous: Previous | null = null;

  constructor(options: ProcessSamplerOptions = {}) {
    this.reader = options.reader ?? processReaderFor();
    this.clock = options.clock ?? systemClock;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  /**
   * Samples the trees of `roots` with one read of the process table.
   * Inputs: root pids (duplicates and absent pids allowed). Outputs: a ProcessSample with one
   * entry per distinct root. Errors: rejects when the platform read fails (ps/PowerShell missing
   * or timing out, /proc unreadable); the previous sample is then kept for the next interval.
   */
  async sample(roots: readonly number[]): Promise<ProcessSample> {
    const start = this.monotonicNow();
    const entries = await this.reader(roots);
    const end = this.monotonicNow();
    const previous = this.previous;
    const intervalMs = previous ? end - previous.at : 0;

    const byPid = new Map<number, ProcessEntry>();
    for (const e of entries) byPid.set(e.pid, e);
    const children = indexChildren(entries);
    const present = new Set(byPid.keys());

    const cpuOf = (e: ProcessEntry): number | null => {
      if (!previous || intervalMs <= 0) return null;
      const before = previous.cpu.get(e.pid);
      const spent = before && before.startKey === e.startKey && before.cpuTimeMs <= e.cpuTimeMs ? e.cpuTimeMs - before.cpuTimeMs : e.cpuTimeMs;
      return (spent / intervalMs) * 100;
    };

    const trees = new Map<number, ProcessTreeUsage>();
    for (const root of new Set(roots)) {
      const processes: ProcessUsage[] = collectTree(root, children, present).map((pid) => {
        const e = byPid.get(pid)!;
        return { pid, ppid: e.ppid, cpuPercent: cpuOf(e), rssBytes: e.rssBytes };
      });
      const rssBytes = processes.reduce((sum, p) => sum + p.rssBytes, 0);
      const cpu = processes.length > 0 && previous ? processes.reduce((sum, p) => sum + (p.cpuPercent ?? 0), 0) : null;
      trees.set(root, {
        pid: root,
        alive: processes.length > 0,
        cpuPercent: cpu === null ? null : Math.round(cpu * 10) / 10,
        rssBytes,
        memoryMb: Math.round((rssBytes / (1024 * 1024)) * 10) / 10,
        processes,
      });
    }

    const cpu = new Map<number, { cpuTimeMs: number; startKey: string | undefined }>();
    for (const e of entries) cpu.set(e.pid, { cpuTimeMs: e.cpuTimeMs, startKey: e.startKey });
    this.previous = { at: end, cpu };
    return { at: this.clock.now(), costMs: end - start, trees };
  }

  /** Forgets the previous sample: the next sample's CPU % is null again. */
  reset(): void {
    this.previous = null;
  }
}
