/**
 * The harness's handle on a child engine (chaos/engine-child.ts): spawn it, follow its stdout
 * lines, wait for a line, find its worker processes, kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './chaos-config';
import type { ChildOptions } from './engine-child';

export interface EngineProcess {
  readonly pid: number;
  readonly child: ChildProcess;
  /** Every stdout line so far. */
  readonly lines: string[];
  /** Completions reported so far. */
  completed(): number;
  /** engine:error lines seen so far. */
  errors(): string[];
  /** Resolve with the first line (past or future) matching `re`; reject after `timeoutMs` or on exit. */
  waitForLine(re: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Pids of the engine's live child processes (its workers), read from /proc. */
  workerPids(): number[];
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<number | NodeJS.Signals | null>;
  kill(signal: NodeJS.Signals): void;
}

/** Start a child engine with `options`. Errors: none here; a failed start shows in waitForLine. */
export function startEngineProcess(options: ChildOptions): EngineProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'chaos/engine-child.ts'), JSON.stringify(options)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters = new Set<{ re: RegExp; resolve: (m: RegExpExecArray) => void }>();
  let completed = 0;
  let stderr = '';
  let buffer = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    for (const line of parts) {
      const c = /^completed (\d+)$/.exec(line);
      if (c) completed = Number(c[1]);
      else lines.push(line);
      for (const w of waiters) {
        const m = w.re.exec(line);
        if (m) {
          waiters.delete(w);
          w.resolve(m);
        }
      }
    }
  });
  const exited = new Promise<number | NodeJS.Signals | null>((res) => child.once('exit', (code, signal) => res(signal ?? code)));
  return {
    pid: child.pid!,
    child,
    lines,
    completed: () => completed,
    errors: () => lines.filter((l) => l.startsWith('error ')),
    exited,
    waitForLine(re, timeoutMs = 60_000) {
      for (const l of lines) {
        const m = re.exec(l);
        if (m) return Promise.resolve(m);
      }
      return new Promise((resolve, reject) => {
        const entry = {
          re,
          resolve: (m: RegExpExecArray) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(entry);
          reject(new Error(`engine child: no line ${re} within ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        waiters.add(entry);
        void exited.then((how) => {
          if (!waiters.has(entry)) return;
          waiters.delete(entry);
          clearTimeout(timer);
          reject(new Error(`engine child exited (${String(how)}) before ${re}; stderr: ${stderr}`));
        });
      });
    },
    workerPids() {
      try {
        const text = readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        return text ? text.split(/\s+/).map(Number).filter((p) => alive(p)) : [];
      } catch {
        return [];
      }
    },
    kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** Is `pid` a live (not zombie) process? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** RSS of `pid` in bytes (from /proc), or null when it is gone. */
export function rssBytes(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}
