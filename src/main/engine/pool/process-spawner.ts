/**
 * The ProcessSpawner port: how the pool starts a worker process. `ForkSpawner` uses
 * child_process.fork under plain Node; the Electron app plugs in a utilityProcess spawner.
 */
import type { FromWorker, ToWorker } from './protocol';

export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Send a message; false when the channel is closed. */
  send(message: ToWorker): boolean;
  kill(signal?: NodeJS.Signals): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once when the process has exited, for whatever reason. */
  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void;
}

export interface SpawnOptions {
  /** The worker's name, shown in job records and the dashboard. */
  name: string;
  env?: Record<string, string>;
}

export interface ProcessSpawner {
  spawn(options: SpawnOptions): WorkerProcess;
}
