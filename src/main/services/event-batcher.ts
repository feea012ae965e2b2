/**
 * Batches engine events for a transport (a window over IPC, a WebSocket client): at most one
 * flush per `intervalMs` (default 100 ms, so ≤ 10 messages a second), progress coalesced so that
 * the latest progress of a job wins, order kept otherwise. 1,000 job events a second become ten
 * messages.
 */
import type { EventBatch, EventMap, EventName } from '../../shared/contract';
import { EVENT_NAMES } from '../../shared/contract';

export interface EventSource {
  on<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): unknown;
  off<E extends EventName>(event: E, listener: (payload: EventMap[E]) => void): unknown;
}

export interface EventBatcherOptions {
  intervalMs?: number;
  /** Which events to forward (default: all). */
  events?: readonly EventName[];
  /** Drop the oldest entries beyond this many per flush (a stalled consumer must not grow memory). */
  maxBatch?: number;
  /** `job:log`: at most this many lines of one job per flush (default 500); the rest are counted, not sent. */
  maxLogLinesPerJob?: number;
}

/** Events where only the latest of a flush matters (one global value each). */
const LATEST_WINS: ReadonlySet<EventName> = new Set<EventName>(['system:sample', 'health:changed']);

export class EventBatcher {
  private queue: EventBatch = [];
  private progressIndex = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners: Array<[EventName, (p: never) => void]> = [];
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private dropped = 0;
  private readonly latestIndex = new Map<EventName, number>();
  private readonly logLines = new Map<string, number>();
  private readonly maxLogLinesPerJob: number;
  private logsDropped = 0;

  constructor(
    private readonly source: EventSource,
    private readonly deliver: (batch: EventBatch) => void,
    options: EventBatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxBatch = options.maxBatch ?? 50_000;
    this.maxLogLinesPerJob = options.maxLogLinesPerJob ?? 500;
    for (const name of options.events ?? EVENT_NAMES) {
      const listener = (payload: EventMap[typeof name]) => this.push(name, payload);
      this.listeners.push([name, listener as (p: never) => void]);
      source.on(name, listener as never);
    }
  }

  /** Events dropped because a flush would have exceeded maxBatch. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** `job:log` lines not sent because a job wrote more than maxLogLinesPerJob in one flush (fetch them with jobs:logs). */
  get droppedLogLines(): number {
    return this.logsDropped;
  }

  push<E extends EventName>(event: E, payload: EventMap[E]): void {
    if (event === 'job:log') {
      // Every line is kept, up to a cap per job and flush: a chatty job cannot flood the window.
      const id = (payload as EventMap['job:log']).id;
      const n = this.logLines.get(id) ?? 0;
      if (n >= this.maxLogLinesPerJob) {
        this.logsDropped++;
        return;
      }
      this.logLines.set(id, n + 1);
    } else if (LATEST_WINS.has(event)) {
      const at = this.latestIndex.get(event);
      if (at !== undefined) {
        this.queue[at] = { event, payload } as EventBatch[number];
        return;
      }
      this.latestIndex.set(event, this.queue.length);
    }
    if (event === 'job:progress') {
      const id = (payload as EventMap['job:progress']).id;
      const at = this.progressIndex.get(id);
      if (at !== undefined) {
        this.queue[at] = { event: 'job:progress', payload: payload as EventMap['job:progress'] };
        return;
      }
      this.progressIndex.set(id, this.queue.length);
    }
    this.queue.push({ event, payload } as EventBatch[number]);
    if (this.queue.length > this.maxBatch) {
      this.queue.shift();
      this.dropped++;
      this.progressIndex = new Map(
        this.queue.flatMap((e, i) => (e.event === 'job:progress' ? [[e.payload.id, i] as const] : [])),
      );
      this.latestIndex.clear();
      this.queue.forEach((e, i) => {
        if (LATEST_WINS.has(e.event)) this.latestIndex.set(e.event, i);
      });
    }
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), this.intervalMs);
      this.timer.unref?.();
    }
  }

  /** Deliver what is queued now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.queue.length) return;
    const batch = this.queue;
    this.queue = [];
    this.progressIndex.clear();
    this.latestIndex.clear();
    this.logLines.clear();
    this.deliver(batch);
  }

  /** Stop listening; deliver what is left. */
  close(): void {
    for (const [name, listener] of this.listeners) this.source.off(name, listener as never);
    this.listeners.length = 0;
    this.flush();
  }
}
