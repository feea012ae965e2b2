/**
 * The ProcessSpawner port over Electron's utilityProcess: worker processes of the desktop app are
 * Electron utility processes running the built worker entry (out/main/worker.js), which talks
 * through `process.parentPort` (see src/main/worker.ts). Because no worker needs ELECTRON_RUN_AS_NODE,
 * the packaged app ships with the RunAsNode fuse off.
 */
import type { UtilityProcess } from 'electron';
import type { ProcessSpawner, SpawnOptions, WorkerProcess } from '../engine/pool/process-spawner';
import type { FromWorker, ToWorker } from '../engine/pool/protocol';

/** The part of Electron's `utilityProcess` module the spawner uses. */
export interface UtilityProcessModule {
  fork(modulePath: string, args?: string[], options?: Electron.ForkOptions): UtilityProcess;
}

class UtilityWorker implements WorkerProcess {
  private exited = false;
  private readonly exitListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];

  constructor(private readonly child: UtilityProcess) {
    child.once('exit', (code: number) => {
      this.exited = true;
      for (const listener of this.exitListeners.splice(0)) listener(code, null);
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Post a message; false once the process has exited or the post throws. */
  send(message: ToWorker): boolean {
    if (this.exited) return false;
    try {
      this.child.postMessage(message);
      return true;
    } catch {
      return false;
    }
  }

  /** utilityProcess has no signals: any kill ends the process. */
  kill(_signal?: NodeJS.Signals): void {
    if (!this.exited) this.child.kill();
  }

  onMessage(listener: (message: FromWorker) => void): void {
    this.child.on('message', (message: unknown) => listener(message as FromWorker));
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    if (this.exited) queueMicrotask(() => listener(null, null));
    else this.exitListeners.push(listener);
  }
}

export class UtilityProcessSpawner implements ProcessSpawner {
  /**
   * @param utilityProcess Electron's `utilityProcess` (a fake in tests).
   * @param workerEntry absolute path of the built worker entry (out/main/worker.js).
   * @param baseEnv environment the workers inherit (default: this process's).
   */
  constructor(
    private readonly utilityProcess: UtilityProcessModule,
    private readonly workerEntry: string,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  /** Start one worker; spawn errors surface as its exit. */
  spawn(options: SpawnOptions): WorkerProcess {
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(this.baseEnv)) if (value !== undefined) env[key] = value;
    Object.assign(env, options.env, { JOBHANDLE_WORKER_NAME: options.name });
    delete env['ELECTRON_RUN_AS_NODE'];
    const child = this.utilityProcess.fork(this.workerEntry, [], {
      serviceName: `JobHandle ${options.name}`,
      env,
      stdio: 'inherit',
    });
    return new UtilityWorker(child);
  }
}
