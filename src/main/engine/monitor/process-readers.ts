/**
 * Platform readers of the process table: one batched read per call, returning every process (so
 * that descendants are found) with its parent, CPU time and resident memory.
 *
 * - Linux: `/proc/<pid>/stat` of every process (ppid, CPU ticks, start time), then
 *   `/proc/<pid>/status` VmRSS only for processes in the requested trees (exact kB, no page-size
 *   guess); other processes carry rss = stat pages × `pageSize`.
 * - macOS: one `ps -A -o pid=,ppid=,rss=,time=`.
 * - Windows: one PowerShell `Get-CimInstance Win32_Process` (not wmic, which current Windows no
 *   longer ships). Spawning PowerShell costs a few hundred ms; sample at 2 s or slower there.
 */
import { execFile } from 'node:child_process';
import { close, open, read } from 'node:fs';
import { readdir } from 'node:fs/promises';
import {
  collectTree,
  indexChildren,
  parseLinuxStat,
  parseLinuxStatusRss,
  parsePsOutput,
  parseWindowsProcessCsv,
  type LinuxStat,
  type ProcessEntry,
} from './process-table';

/** Reads the process table; `roots` tells a reader which trees need exact figures. */
export type ProcessTableReader = (roots: readonly number[]) => Promise<ProcessEntry[]>;

export interface LinuxReaderOptions {
  /** `/proc` mount (tests may point elsewhere). */
  procDir?: string;
  /** Clock ticks per second (`getconf CLK_TCK`); 100 on every mainstream Linux. */
  clockTicksPerSecond?: number;
  /** Page size for processes outside the requested trees; 4096 by default. */
  pageSize?: number;
}

/** Bytes asked of each read(2): a whole `stat` line, most of a `status` file. */
const READ_CHUNK = 2048;
const ignore = (): void => {};

/**
 * The text of a small /proc file, or null when it cannot be read (the process exited between
 * readdir and read). One open, read(s) until a short one, close, through callbacks: a third of
 * the event-loop CPU of fs/promises readFile (FileHandle, fstat, a read to see EOF), which counts
 * because the sampler reads every process's stat each second while jobs run. A short read is the
 * end: `stat` and `status` are generated whole and copied out up to the size asked.
 */
function readText(path: string): Promise<string | null> {
  return new Promise((resolve) => {
    open(path, 'r', (openErr, fd) => {
      if (openErr) return resolve(null);
      const chunks: Buffer[] = [];
      const readFrom = (position: number): void => {
        const buffer = Buffer.allocUnsafe(READ_CHUNK);
        read(fd, buffer, 0, READ_CHUNK, position, (readErr, n) => {
          if (readErr) {
            close(fd, ignore);
            return resolve(null);
          }
          chunks.push(buffer.subarray(0, n));
          if (n === READ_CHUNK) return readFrom(position + n);
          close(fd, ignore);
          resolve((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8'));
        });
      };
      readFrom(0);
    });
  });
}

/**
 * The Linux reader. Errors: rejects only if `procDir` cannot be listed; vanished processes are
 * skipped.
 */
export function linuxProcessReader(options: LinuxReaderOptions = {}): ProcessTableReader {
  const procDir = options.procDir ?? '/proc';
  const msPerTick = 1000 / (options.clockTicksPerSecond ?? 100);
  const pageSize = options.pageSize ?? 4096;
  return async (roots) => {
    const names = (await readdir(procDir)).filter((n) => /^\d+$/.test(n));
    const stats = await Promise.all(
      names.map(async (n) => {
        const text = await readText(`${procDir}/${n}/stat`);
        return text === null ? null : parseLinuxStat(text);
      }),
    );
    const present = stats.filter((s): s is LinuxStat => s !== null);
    const children = indexChildren(present);
    const pidSet = new Set(present.map((s) => s.pid));
    const wanted = new Set<number>();
    for (const root of roots) for (const pid of collectTree(root, children, pidSet)) wanted.add(pid);
    const exactRss = new Map<number, number>();
    await Promise.all(
      [...wanted].map(async (pid) => {
        const text = await readText(`${procDir}/${pid}/status`);
        const rss = text === null ? null : parseLinuxStatusRss(text);
        exactRss.set(pid, rss ?? 0);
      }),
    );
    return present.map((s) => ({
      pid: s.pid,
      ppid: s.ppid,
      rssBytes: exactRss.get(s.pid) ?? s.rssPages * pageSize,
      cpuTimeMs: s.cpuTicks * msPerTick,
      startKey: String(s.startTicks),
    }));
  };
}

function run(file: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024, windowsHide: true }, (err, stdout) => {
      if (err) reject(err);
      else resolve(stdout);
    });
  });
}

/** The macOS (and BSD) reader: one `ps` per call. Errors: rejects if ps fails or times out (5 s). */
export function psProcessReader(): ProcessTableReader {
  return async () => parsePsOutput(await run('ps', ['-A', '-o', 'pid=,ppid=,rss=,time='], 5_000));
}

/** The PowerShell command line the Windows reader runs. */
export const WINDOWS_PROCESS_QUERY =
  'Get-CimInstance Win32_Process | Select-Object ProcessId,ParentProcessId,WorkingSetSize,KernelModeTime,UserModeTime | ConvertTo-Csv -NoTypeInformation';

/** The Windows reader: one PowerShell call. Errors: rejects if PowerShell fails or times out (15 s). */
export function windowsProcessReader(): ProcessTableReader {
  return async () =>
    parseWindowsProcessCsv(await run('powershell', ['-NoProfile', '-NonInteractive', '-Command', WINDOWS_PROCESS_QUERY], 15_000));
}

/** The reader for `platform` (default: this one). */
export function processReaderFor(platform: NodeJS.Platform = process.platform): ProcessTableReader {
  if (platform === 'linux' || platform === 'android') return linuxProcessReader();
  if (platform === 'win32') return windowsProcessReader();
  return psProcessReader();
}
