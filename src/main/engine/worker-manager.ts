/**
 * The original design's WorkerManager / WorkerPool API, as a thin facade over JobManager
 * engines: `createWorkerManager({workerNamePrefix, scalingConfig})` is one engine (optionally for
 * one queue) whose worker processes auto-scale between minWorkers and maxWorkers;
 * `new WorkerPool()` coordinates several of them (`addManager(queueName, manager)`,
 * `startAll()`, `stopAll()`).
 */
import { AppError } from '../../shared/errors';
import type { WorkerInfo } from '../../shared/model';
import { loadConfig, type Config } from './config';
import type { GovernanceHooks } from './governor/engine-governance';
import { JobManager } from './manager';

export interface ScalingConfig {
  minWorkers: number;
  maxWorkers: number;
  /** Jobs one worker process runs at once (default: the config's). */
  concurrency?: number;
  /** Auto-scaling decision interval, ms (default: the config's, 5000). */
  checkIntervalMs?: number;
}

export interface WorkerManagerOptions {
  workerNamePrefix?: string;
  scalingConfig?: ScalingConfig;
  /** Base configuration (default: loadConfig() from the environment and settings file). */
  config?: Config;
  /** Only run jobs of these queues (WorkerPool.addManager sets its queue). */
  queues?: string[] | null;
  governance?: GovernanceHooks;
}

export interface WorkerManager {
  /** The engine, once started (null before). */
  readonly manager: JobManager | null;
  /** Start the engine (workers at minWorkers) without auto-scaling. Errors: those of JobManager.open/start. */
  start(): Promise<void>;
  /** Start the engine if needed and scale automatically between min and max. */
  startAutoScaling(): Promise<void>;
  /** Scale to `count` workers by hand (within min and max). Errors: CONFLICT before start. */
  scale(count: number): number;
  listWorkers(): WorkerInfo[];
  /** Stop gracefully (running jobs finish within the shutdown grace) and close the store. */
  stop(): Promise<void>;
  /** Restrict to queues (used by WorkerPool.addManager before start). */
  setQueues(queues: string[]): void;
}

/**
 * Creates a worker manager. Inputs: see WorkerManagerOptions. Outputs: a WorkerManager (nothing
 * starts until `start()`/`startAutoScaling()`). Errors: AppError CONFIG when min > max.
 */
export function createWorkerManager(options: WorkerManagerOptions = {}): WorkerManager {
  const base = options.config ?? loadConfig();
  const s = options.scalingConfig;
  if (s && s.minWorkers > s.maxWorkers) throw new AppError('CONFIG', `scalingConfig: minWorkers (${s.minWorkers}) is above maxWorkers (${s.maxWorkers})`);
  const config: Config = {
    ...base,
    workers: { ...base.workers, ...(s ? { min: s.minWorkers, max: s.maxWorkers } : {}), ...(s?.concurrency ? { concurrency: s.concurrency } : {}) },
    resources: { ...base.resources, autoScale: false, ...(s?.checkIntervalMs ? { autoScaleIntervalMs: s.checkIntervalMs } : {}) },
  };
  let queues = options.queues ?? null;
  let manager: JobManager | null = null;
  let starting: Promise<void> | null = null;
  const start = (): Promise<void> => {
    starting ??= (async () => {
      const m = await JobManager.open({
        config,
        queues,
        ...(options.workerNamePrefix ? { workerNamePrefix: options.workerNamePrefix } : {}),
        ...(options.governance ? { governance: options.governance } : {}),
      });
      await m.start();
      manager = m;
    })();
    return starting;
  };
  return {
    get manager() {
      return manager;
    },
    start,
    async startAutoScaling() {
      await start();
      manager!.governance!.setAutoScaling({ enabled: true });
    },
    scale(count) {
      if (!manager) throw new AppError('CONFLICT', 'the worker manager is not started');
      return manager.scaleWorkers(count);
    },
    listWorkers: () => manager?.listWorkers() ?? [],
    async stop() {
      if (starting) await starting.catch(() => undefined);
      await manager?.close();
      manager = null;
      starting = null;
    },
    setQueues(q) {
      if (manager) throw new AppError('CONFLICT', 'set the queues before the worker manager starts');
      queues = q;
    },
  };
}

/** Coordinates one worker manager per queue. */
export class WorkerPool {
  private readonly managers = new Map<string, WorkerManager>();

  /** Adds `manager` to run jobs of `queueName` only. Errors: CONFLICT for a queue added twice. */
  addManager(queueName: string, manager: WorkerManager): void {
    if (this.managers.has(queueName)) throw new AppError('CONFLICT', `queue "${queueName}" already has a worker manager`);
    manager.setQueues([queueName]);
    this.managers.set(queueName, manager);
  }

  /** The managers by queue. */
  list(): Array<{ queue: string; manager: WorkerManager }> {
    return [...this.managers].map(([queue, manager]) => ({ queue, manager }));
  }

  /** Starts every manager with auto-scaling. */
  async startAll(): Promise<void> {
    await Promise.all([...this.managers.values()].map((m) => m.startAutoScaling()));
  }

  /** Stops every manager gracefully. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.managers.values()].map((m) => m.stop()));
  }
}
