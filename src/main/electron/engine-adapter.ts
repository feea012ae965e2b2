/**
 * What the desktop shell (tray, notifications) needs from the JobManager, in the shape it needs:
 * counts for the tray, pause/resume of every known queue, a job's priority. Queues are "known"
 * when jobs of them were seen in events, are waiting or running, are paused, or are the default.
 */
import { DEFAULT_QUEUE, type JobPriority } from '../../shared/model';
import type { EventMap } from '../../shared/contract';
import type { JobManager } from '../engine/manager';
import type { EventSource } from '../services/event-batcher';
import type { TrayCounts, TrayEngine } from './tray';

type ManagerPart = Pick<JobManager, 'getQueueStats' | 'listJobs' | 'pauseQueue' | 'resumeQueue' | 'getJob' | 'on' | 'off'>;

/**
 * The manager's events as an EventSource over the contract's EventMap (which also names app
 * events such as `ui:navigate` that the engine never emits; listening for them is harmless).
 */
export function managerEvents(manager: Pick<JobManager, 'on' | 'off'>): EventSource {
  return {
    on: (event, listener) => manager.on(event as never, listener as never),
    off: (event, listener) => manager.off(event as never, listener as never),
  };
}

export class DesktopEngine implements TrayEngine {
  private readonly seenQueues = new Set<string>([DEFAULT_QUEUE]);
  private readonly onAdded = (e: EventMap['job:added']) => this.seenQueues.add(e.queue);

  /** The engine's events. */
  readonly events: EventSource;

  constructor(private readonly manager: ManagerPart) {
    this.events = managerEvents(manager);
    manager.on('job:added', this.onAdded);
  }

  /** Running, queued (pending + scheduled + retrying) and paused-queue counts. */
  async counts(): Promise<TrayCounts> {
    const stats = await this.manager.getQueueStats();
    return { running: stats.running_jobs, queued: stats.pending_jobs, pausedQueues: stats.pausedQueues.length };
  }

  /** Every queue the engine knows of now (see the file comment). */
  async knownQueues(): Promise<string[]> {
    const queues = new Set(this.seenQueues);
    const page = await this.manager.listJobs({ status: ['pending', 'scheduled', 'retrying', 'running'], limit: 1000 });
    for (const job of page.jobs) queues.add(job.queue);
    for (const queue of (await this.manager.getQueueStats()).pausedQueues) queues.add(queue);
    return [...queues].sort();
  }

  /** Pause every known queue. */
  async pauseAll(): Promise<void> {
    for (const queue of await this.knownQueues()) await this.manager.pauseQueue(queue);
  }

  /** Resume every paused queue. */
  async resumeAll(): Promise<void> {
    for (const queue of (await this.manager.getQueueStats()).pausedQueues) await this.manager.resumeQueue(queue);
  }

  /** A job's priority, or null when it is gone. */
  async priorityOf(jobId: string): Promise<JobPriority | null> {
    return (await this.manager.getJob(jobId))?.priority ?? null;
  }

  /** Stop watching events. */
  close(): void {
    this.manager.off('job:added', this.onAdded);
  }
}
