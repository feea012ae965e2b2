/**
 * Native notifications when jobs complete or fail, by the user's rules (desktop-settings.ts): per
 * type, per priority, failures only, quiet while the dashboard has the focus, and a digest when
 * many finish at once (more than `digestThreshold` within `digestWindowMs` → one summary).
 * A click opens the job (or, for a digest, the dashboard).
 *
 * Electron's Notification class is passed in, so tests run this with a fake electron module.
 */
import type { Notification, NotificationConstructorOptions } from 'electron';
import { PRIORITY_RANK, type JobPriority } from '../../shared/model';
import type { EventMap } from '../../shared/contract';
import type { EventSource } from '../services/event-batcher';
import type { NotificationRules } from './desktop-settings';

export interface NotificationClass {
  new (options: NotificationConstructorOptions): Pick<Notification, 'show' | 'on' | 'close'>;
  isSupported(): boolean;
}

export interface JobNotifierOptions {
  Notification: NotificationClass;
  events: EventSource;
  rules: NotificationRules;
  isWindowFocused(): boolean;
  openJob(jobId: string): void;
  openDashboard(): void;
  /** The job's priority (needed only when a priority rule is set); null when unknown. */
  priorityOf(jobId: string): Promise<JobPriority | null>;
  iconPath?: string;
}

interface Pending {
  kind: 'completed' | 'failed';
  id: string;
  type: string;
  detail: string;
}

export class JobNotifier {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | null = null;
  private readonly live = new Set<Pick<Notification, 'show' | 'on' | 'close'>>();
  private started = false;
  private readonly onCompleted = (e: EventMap['job:completed']) =>
    void this.consider({ kind: 'completed', id: e.id, type: e.type, detail: `finished in ${formatDuration(e.durationMs)}` });
  private readonly onFailed = (e: EventMap['job:failed']) =>
    void this.consider({ kind: 'failed', id: e.id, type: e.type, detail: e.error.message });

  constructor(private readonly options: JobNotifierOptions) {}

  /** Listen to the engine. Does nothing where the OS has no notifications. */
  start(): void {
    if (this.started || !this.options.Notification.isSupported()) return;
    this.started = true;
    this.options.events.on('job:completed', this.onCompleted);
    this.options.events.on('job:failed', this.onFailed);
  }

  /** Stop listening; what is buffered is dropped. */
  stop(): void {
    if (!this.started) return;
    this.started = false;
    this.options.events.off('job:completed', this.onCompleted);
    this.options.events.off('job:failed', this.onFailed);
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.pending = [];
  }

  /** Apply the rules; a job that passes waits in the digest window. */
  private async consider(item: Pending): Promise<void> {
    const rules = this.options.rules;
    if (!rules.enabled) return;
    if (item.kind === 'completed' && !rules.onCompleted) return;
    if (item.kind === 'failed' && !rules.onFailed) return;
    if (rules.types && !rules.types.includes(item.type)) return;
    if (rules.minPriority !== 'LOW') {
      const priority = await this.options.priorityOf(item.id).catch(() => null);
      if (!priority || PRIORITY_RANK[priority] < PRIORITY_RANK[rules.minPriority]) return;
    }
    if (!this.started) return;
    this.pending.push(item);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), rules.digestWindowMs);
      this.timer.unref?.();
    }
  }

  /** Show what the window collected: each one, or one digest when there are too many. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.pending;
    this.pending = [];
    if (!items.length) return;
    if (this.options.rules.quietWhenFocused && this.options.isWindowFocused()) return;
    if (items.length > this.options.rules.digestThreshold) {
      const failed = items.filter((i) => i.kind === 'failed').length;
      const completed = items.length - failed;
      const parts = [completed ? `${completed} completed` : '', failed ? `${failed} failed` : ''].filter(Boolean);
      this.show({ title: `${items.length} jobs finished`, body: parts.join(', '), urgency: failed ? 'critical' : 'normal' }, () =>
        this.options.openDashboard(),
      );
      return;
    }
    for (const item of items) {
      const title = item.kind === 'failed' ? `Job failed: ${item.type}` : `Job completed: ${item.type}`;
      this.show({ title, body: `${item.id} ${item.detail}`.slice(0, 240), urgency: item.kind === 'failed' ? 'critical' : 'normal' }, () =>
        this.options.openJob(item.id),
      );
    }
  }

  private show(options: NotificationConstructorOptions, onClick: () => void): void {
    const notification = new this.options.Notification({
      ...options,
      ...(this.options.iconPath ? { icon: this.options.iconPath } : {}),
    });
    // Keep a reference until it is done: a collected notification loses its click handler.
    this.live.add(notification);
    notification.on('click', () => {
      this.live.delete(notification);
      onClick();
    });
    notification.on('close', () => this.live.delete(notification));
    notification.show();
  }
}

function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
