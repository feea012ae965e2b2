/**
 * ForkSpawner: worker processes with child_process.fork. Runs the built worker bundle
 * (out/main/worker.js) when the engine itself runs from a bundle, and the TypeScript entry through
 * tsx when it runs from source (tests, `npm run bench`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolveMainEntry, type EntryPoint } from '../entry-path';
import type { ProcessSpawner, SpawnOptions, WorkerProcess } from './process-spawner';
import type { FromWorker, ToWorker } from './protocol';

export type WorkerEntry = EntryPoint;

/** Find the worker entry next to the running code: a bundle's worker.js, or the source worker.ts. */
export function resolveWorkerEntry(fromUrl: string = import.meta.url): WorkerEntry {
  return resolveMainEntry('worker', fromUrl);
}

class ForkedWorker implements WorkerProcess {
  constructor(private readonly child: ChildProcess) {}
  get pid(): number | undefined {
    return this.child.pid;
  }
  send(message: ToWorker): boolean {
    if (!this.child.connected) return false;
    try {
      return this.child.send(message);
    } catch {
      return false;
    }
  }
  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
  onMessage(listener: (message: FromWorker) => void): void {
    this.child.on('message', (m) => listener(m as FromWorker));
  }
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.child.once('exit', listener);
  }
}

export class ForkSpawner implements ProcessSpawner {
  constructor(private readonly entry: WorkerEntry = resolveWorkerEntry()) {}

  spawn(options: SpawnOptions): WorkerProcess {
    const child = fork(this.entry.path, [], {
      execArgv: this.entry.execArgv,
      env: { ...process.env, ...options.env, JOBHANDLE_WORKER_NAME: options.name },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'json',
    });
    // Spawn failures surface as an exit; keep the error from crashing the engine.
    child.on('error', () => child.kill('SIGKILL'));
    return new ForkedWorker(child);
  }
}
