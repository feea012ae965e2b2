/**
 * The process table as the monitor sees it, and pure parsers of each platform's raw text:
 * Linux `/proc/<pid>/stat` and `/proc/<pid>/status`, macOS `ps -A -o pid=,ppid=,rss=,time=`,
 * Windows `Get-CimInstance Win32_Process | ... | ConvertTo-Csv`. No I/O here (see
 * process-readers.ts), so every parser is tested on captured text on any platform.
 */

/** One process at one instant. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** Resident memory, bytes. */
  rssBytes: number;
  /** User + system CPU time consumed since the process started, ms. */
  cpuTimeMs: number;
  /** Distinguishes a reused pid (Linux start time in ticks); optional. */
  startKey?: string;
}

/** Fields of a `/proc/<pid>/stat` line that the monitor uses. */
export interface LinuxStat {
  pid: number;
  ppid: number;
  /** utime + stime, clock ticks. */
  cpuTicks: number;
  /** Start time after boot, clock ticks. */
  startTicks: number;
  /** Resident set, pages. */
  rssPages: number;
}

/**
 * Parses one `/proc/<pid>/stat` line. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last `)`.
 * Returns null for malformed text.
 */
export function parseLinuxStat(text: string): LinuxStat | null {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const pid = Number(text.slice(0, open).trim());
  // After ") ": state(3) ppid(4) ... utime(14) stime(15) ... starttime(22) vsize(23) rss(24)
  const rest = text.slice(close + 2).trim().split(/\s+/);
  const field = (n: number): number => Number(rest[n - 3]);
  const stat = {
    pid,
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    startTicks: field(22),
    rssPages: field(24),
  };
  return Object.values(stat).every(Number.isFinite) ? stat : null;
}

/** Resident memory from `/proc/<pid>/status` (`VmRSS:  12345 kB`), bytes; null when absent (kernel threads, zombies). */
export function parseLinuxStatusRss(text: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : null;
}

/**
 * Parses a ps CPU time: `[[dd-]hh:]mm:ss[.cc]` (macOS prints minutes past 59, e.g. `123:04.56`).
 * Returns milliseconds, or null for malformed text.
 */
export function parsePsTime(text: string): number | null {
  const match = /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$/.exec(text.trim());
  if (!match) return null;
  const [, days, hours, minutes, seconds] = match;
  const total =
    Number(days ?? 0) * 86400 + Number(hours ?? 0) * 3600 + Number(minutes) * 60 + Number(seconds);
  return Math.round(total * 1000);
}

/** Parses `ps -A -o pid=,ppid=,rss=,time=` output (rss in KiB). Malformed lines are skipped. */
export function parsePsOutput(text: string): ProcessEntry[] {
  const entries: ProcessEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 4) continue;
    const pid = Number(parts[0]);
    const ppid = Number(parts[1]);
    const rssKb = Number(parts[2]);
    const cpuTimeMs = parsePsTime(parts[3]!);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid) || !Number.isFinite(rssKb) || cpuTimeMs === null) continue;
    entries.push({ pid, ppid, rssBytes: rssKb * 1024, cpuTimeMs });
  }
  return entries;
}

/** Splits one CSV line with double-quoted fields ("" is an escaped quote). */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/**
 * Parses the CSV of `Get-CimInstance Win32_Process | Select ProcessId,ParentProcessId,
 * WorkingSetSize,KernelModeTime,UserModeTime | ConvertTo-Csv`. Columns are found by header name;
 * a leading `#TYPE ...` line (Windows PowerShell 5.1) is skipped. Times are in 100 ns units,
 * WorkingSetSize in bytes. Malformed rows are skipped.
 */
export function parseWindowsProcessCsv(text: string): ProcessEntry[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  const header = lines.shift();
  if (!header) return [];
  const columns = splitCsvLine(header).map((c) => c.trim());
  const col = (name: string): number => columns.indexOf(name);
  const idx = {
    pid: col('ProcessId'),
    ppid: col('ParentProcessId'),
    ws: col('WorkingSetSize'),
    kernel: col('KernelModeTime'),
    user: col('UserModeTime'),
  };
  if (Object.values(idx).some((i) => i < 0)) return [];
  const entries: ProcessEntry[] = [];
  for (const line of lines) {
    const cells = splitCsvLine(line);
    const num = (i: number): number => (cells[i] === undefined || cells[i] === '' ? NaN : Number(cells[i]));
    const pid = num(idx.pid);
    const ppid = num(idx.ppid);
    if (!Number.isInteger(pid) || !Number.isInteger(ppid)) continue;
    const ws = num(idx.ws);
    const kernel = num(idx.kernel);
    const user = num(idx.user);
    entries.push({
      pid,
      ppid,
      rssBytes: Number.isFinite(ws) ? ws : 0,
      cpuTimeMs: ((Number.isFinite(kernel) ? kernel : 0) + (Number.isFinite(user) ? user : 0)) / 10_000,
    });
  }
  return entries;
}

/**
 * The pids of `root` and all its descendants present in `entries`, root first. A root that is
 * absent yields an empty list. Cycles (Windows pid reuse, pid 0's parent being 0) are ignored.
 */
export function collectTree(root: number, childrenOf: ReadonlyMap<number, readonly number[]>, present: ReadonlySet<number>): number[] {
  if (!present.has(root)) return [];
  const seen = new Set<number>([root]);
  const order = [root];
  for (let i = 0; i < order.length; i++) {
    for (const child of childrenOf.get(order[i]!) ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      order.push(child);
    }
  }
  return order;
}

/** Index of children by parent pid. */
export function indexChildren(entries: readonly Pick<ProcessEntry, 'pid' | 'ppid'>[]): Map<number, number[]> {
  const children = new Map<number, number[]>();
  for (const e of entries) {
    if (e.pid === e.ppid) continue;
    const list = children.get(e.ppid);
    if (list) list.push(e.pid);
    else children.set(e.ppid, [e.pid]);
  }
  return children;
}
