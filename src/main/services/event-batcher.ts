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
}

export class EventBatcher {
  private queue: EventBatch = [];
  private progressIndex = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners: Array<[EventName, (p: never) => void]> = [];
  private readonly intervalMs: number;
  private readonly maxBatch: number;
  private dropped = 0;

  constructor(
    private readonly source: EventSource,
    private readonly deliver: (batch: EventBatch) => void,
    options: EventBatcherOptions = {},
  ) {
    this.intervalMs = options.intervalMs ?? 100;
    this.maxBatch = options.maxBatch ?? 50_000;
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

  push<E extends EventName>(event: E, payload: EventMap[E]): void {
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
    this.deliver(batch);
  }

  /** Stop listening; deliver what is left. */
  close(): void {
    for (const [name, listener] of this.listeners) this.source.off(name, listener as never);
    this.listeners.length = 0;
    this.flush();
  }
}
