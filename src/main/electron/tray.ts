/**
 * The tray icon: where JobHandle lives while its window is closed. The icon shows the state
 * (idle, running, failures since the user last looked), the tooltip the counts, and the menu
 * offers: open the dashboard, running/queued counts, pause all / resume all, recent failures
 * (a click opens the job) and quit. It is refreshed from engine events, throttled, never polled.
 *
 * Electron is passed in (`TrayDeps`), so tests run this with a fake electron module.
 */
import { join } from 'node:path';
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { EventSource } from '../services/event-batcher';
import type { EventMap, EventName } from '../../shared/contract';

export interface TrayDeps {
  createTray(image: NativeImage): Pick<Tray, 'setImage' | 'setToolTip' | 'setContextMenu' | 'setTitle' | 'on' | 'destroy'>;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  createImage(path: string): NativeImage;
}

export interface TrayCounts {
  running: number;
  queued: number;
  pausedQueues: number;
}

/** What the tray asks of the engine. */
export interface TrayEngine {
  events: EventSource;
  counts(): Promise<TrayCounts>;
  pauseAll(): Promise<void>;
  resumeAll(): Promise<void>;
}

export interface TrayActions {
  openDashboard(): void;
  openJob(jobId: string): void;
  quit(): void;
}

export interface TrayOptions {
  /** Folder with tray-{idle,running,failed}.png and trayTemplate.png. */
  iconDir: string;
  platform?: NodeJS.Platform;
  /** At most one refresh per this many ms (default 500). */
  throttleMs?: number;
  maxRecentFailures?: number;
  onError?: (message: string) => void;
}

export type TrayIconState = 'idle' | 'running' | 'failed';

export interface RecentFailure {
  id: string;
  type: string;
  message: string;
}

const REFRESH_EVENTS = [
  'job:added',
  'job:started',
  'job:completed',
  'job:failed',
  'job:retrying',
  'job:cancelled',
  'queue:paused',
  'queue:resumed',
] as const satisfies readonly EventName[];

export class TrayController {
  private tray: ReturnType<TrayDeps['createTray']> | null = null;
  private counts: TrayCounts = { running: 0, queued: 0, pausedQueues: 0 };
  private failuresSinceLook = 0;
  private readonly recent: RecentFailure[] = [];
  private timer: NodeJS.Timeout | null = null;
  private iconState: TrayIconState | null = null;
  private readonly onAny = () => this.scheduleRefresh();
  private readonly onFailed = (e: EventMap['job:failed']) => {
    this.failuresSinceLook++;
    this.recent.unshift({ id: e.id, type: e.type, message: e.error.message });
    this.recent.length = Math.min(this.recent.length, this.options.maxRecentFailures ?? 5);
  };

  constructor(
    private readonly deps: TrayDeps,
    private readonly engine: TrayEngine,
    private readonly actions: TrayActions,
    private readonly options: TrayOptions,
  ) {}

  /** Create the tray icon, draw the first state, listen to engine events. */
  async start(): Promise<void> {
    if (this.tray) return;
    this.tray = this.deps.createTray(this.deps.createImage(this.iconPath('idle')));
    this.tray.on('click', () => this.actions.openDashboard());
    this.engine.events.on('job:failed', this.onFailed);
    for (const name of REFRESH_EVENTS) this.engine.events.on(name, this.onAny);
    await this.refresh();
  }

  /** The user looked at the dashboard: failures are no longer news. */
  markSeen(): void {
    if (this.failuresSinceLook === 0) return;
    this.failuresSinceLook = 0;
    this.render();
  }

  /** What the tray shows now (for tests and the log). */
  get snapshot(): { icon: TrayIconState | null; counts: TrayCounts; failuresSinceLook: number; recent: RecentFailure[] } {
    return { icon: this.iconState, counts: { ...this.counts }, failuresSinceLook: this.failuresSinceLook, recent: [...this.recent] };
  }

  private scheduleRefresh(): void {
    if (this.timer || !this.tray) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, this.options.throttleMs ?? 500);
    this.timer.unref?.();
  }

  /** Re-read the counts and redraw. Errors go to onError; the old state stays. */
  async refresh(): Promise<void> {
    try {
      this.counts = await this.engine.counts();
    } catch (err) {
      this.options.onError?.(`tray: could not read the counts: ${(err as Error).message}`);
    }
    this.render();
  }

  private iconPath(state: TrayIconState): string {
    const mac = (this.options.platform ?? process.platform) === 'darwin';
    // macOS: a template image (drawn by the system for light/dark bars); failures stay coloured.
    if (mac && state !== 'failed') return join(this.options.iconDir, 'trayTemplate.png');
    return join(this.options.iconDir, `tray-${state}.png`);
  }

  private render(): void {
    const tray = this.tray;
    if (!tray) return;
    const { running, queued } = this.counts;
    const state: TrayIconState = this.failuresSinceLook > 0 ? 'failed' : running > 0 ? 'running' : 'idle';
    if (state !== this.iconState) {
      tray.setImage(this.deps.createImage(this.iconPath(state)));
      this.iconState = state;
    }
    const failed = this.failuresSinceLook ? `, ${this.failuresSinceLook} failed since you last looked` : '';
    tray.setToolTip(`JobHandle — ${running} running, ${queued} queued${failed}`);
    if ((this.options.platform ?? process.platform) === 'darwin') tray.setTitle(running ? String(running) : '');
    tray.setContextMenu(this.deps.buildMenu(this.menuTemplate()));
  }

  /** The context menu as a template (exported through the controller for tests). */
  menuTemplate(): MenuItemConstructorOptions[] {
    const { running, queued, pausedQueues } = this.counts;
    const act = (what: string, fn: () => Promise<void>) => () => {
      fn()
        .then(() => this.refresh())
        .catch((err: unknown) => this.options.onError?.(`tray: ${what} failed: ${(err as Error).message}`));
    };
    const failures: MenuItemConstructorOptions[] = this.recent.length
      ? this.recent.map((f) => ({
          id: `failure:${f.id}`,
          label: truncate(`${f.type} ${f.id}: ${f.message}`, 80),
          click: () => this.actions.openJob(f.id),
        }))
      : [{ id: 'failure:none', label: 'No recent failures', enabled: false }];
    return [
      { id: 'open', label: 'Open dashboard', click: () => this.actions.openDashboard() },
      { type: 'separator' },
      { id: 'running', label: `Running: ${running}`, enabled: false },
      { id: 'queued', label: `Queued: ${queued}`, enabled: false },
      { type: 'separator' },
      { id: 'pause-all', label: 'Pause all queues', click: act('pause all', () => this.engine.pauseAll()) },
      {
        id: 'resume-all',
        label: pausedQueues ? `Resume all queues (${pausedQueues} paused)` : 'Resume all queues',
        enabled: pausedQueues > 0,
        click: act('resume all', () => this.engine.resumeAll()),
      },
      { id: 'recent-failures', label: 'Recent failures', submenu: failures },
      { type: 'separator' },
      { id: 'quit', label: 'Quit JobHandle', click: () => this.actions.quit() },
    ];
  }

  /** Stop listening and remove the icon. */
  destroy(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.engine.events.off('job:failed', this.onFailed);
    for (const name of REFRESH_EVENTS) this.engine.events.off(name, this.onAny);
    this.tray?.destroy();
    this.tray = null;
  }
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
