/**
 * Keeps the machine from suspending while jobs run (powerSaveBlocker 'prevent-app-suspension'),
 * when the user's setting allows: started at the first running job, stopped when none runs.
 */
import type { PowerSaveBlocker } from 'electron';
import type { EventMap } from '../../shared/contract';
import type { EventSource } from '../services/event-batcher';

const ENDS = ['job:completed', 'job:failed', 'job:retrying', 'job:cancelled'] as const;

export class PowerSaveGuard {
  private readonly running = new Set<string>();
  private blockerId: number | null = null;
  private readonly onStarted = (e: EventMap['job:started']) => {
    this.running.add(e.id);
    this.update();
  };
  private readonly onEnded = (e: { id: string }) => {
    this.running.delete(e.id);
    this.update();
  };

  constructor(
    private readonly blocker: Pick<PowerSaveBlocker, 'start' | 'stop' | 'isStarted'>,
    private readonly events: EventSource,
    private readonly enabled: boolean,
  ) {}

  /** Follow the engine's events. */
  start(): void {
    if (!this.enabled) return;
    this.events.on('job:started', this.onStarted);
    for (const name of ENDS) this.events.on(name, this.onEnded);
  }

  /** Whether the blocker is held now. */
  get active(): boolean {
    return this.blockerId !== null;
  }

  private update(): void {
    if (this.running.size > 0 && this.blockerId === null) {
      this.blockerId = this.blocker.start('prevent-app-suspension');
    } else if (this.running.size === 0 && this.blockerId !== null) {
      if (this.blocker.isStarted(this.blockerId)) this.blocker.stop(this.blockerId);
      this.blockerId = null;
    }
  }

  /** Stop following events and release the blocker. */
  stop(): void {
    this.events.off('job:started', this.onStarted);
    for (const name of ENDS) this.events.off(name, this.onEnded);
    this.running.clear();
    this.update();
  }
}
