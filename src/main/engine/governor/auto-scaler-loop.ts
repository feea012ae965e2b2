/**
 * The engine's auto-scaling loop: every `intervalMs` it measures (backlog, oldest wait, busy
 * workers, backpressure), asks the pure `decide` (auto-scaler.ts) and carries the decision out
 * through `resize` (the worker pool drains the workers it removes: never a running job killed).
 * Runs on a TimerClock, so tests drive it with a manual clock. Keeps the last decisions for
 * `governor:state`.
 */
import type { TimerClock, TimerHandle } from '../clock';
import {
  DEFAULT_AUTO_SCALER_CONFIG,
  INITIAL_AUTO_SCALER_STATE,
  decide,
  type AutoScalerConfig,
  type AutoScalerInput,
  type AutoScalerState,
  type ScaleDecision,
} from './auto-scaler';

export interface AutoScalerLoopOptions {
  clock: TimerClock;
  intervalMs: number;
  config: Partial<AutoScalerConfig> & Pick<AutoScalerConfig, 'minWorkers' | 'maxWorkers'>;
  /** Current measurements. Errors: a rejection skips the tick (reported to onError). */
  measure: () => Promise<AutoScalerInput>;
  /** Carry out a new worker count. */
  resize: (target: number) => void;
  onDecision?: (decision: ScaleDecision & { at: number }) => void;
  onError?: (err: unknown) => void;
}

export interface AutoScalerStatus {
  enabled: boolean;
  minWorkers: number;
  maxWorkers: number;
  intervalMs: number;
  /** Recent decisions, newest last (at most 50; holds only when their reason changed). */
  decisions: Array<{ at: number; action: ScaleDecision['action']; target: number; reason: string }>;
  /** Recent scale steps only (up/down), newest last (at most 50). */
  steps: Array<{ at: number; action: ScaleDecision['action']; target: number; reason: string }>;
}

const KEEP = 50;

export class AutoScalerLoop {
  private config: AutoScalerConfig;
  private state: AutoScalerState = INITIAL_AUTO_SCALER_STATE;
  private timer: TimerHandle | null = null;
  private enabled = false;
  private ticking = false;
  private readonly decisions: AutoScalerStatus['decisions'] = [];
  private readonly steps: AutoScalerStatus['steps'] = [];

  constructor(private readonly o: AutoScalerLoopOptions) {
    this.config = { ...DEFAULT_AUTO_SCALER_CONFIG, ...o.config };
  }

  /** Start deciding every interval (first decision after one interval). Idempotent. */
  start(): void {
    if (this.enabled) return;
    this.enabled = true;
    this.arm();
  }

  /** Stop deciding; the pool keeps its size. */
  stop(): void {
    this.enabled = false;
    if (this.timer !== null) this.o.clock.clearTimeout(this.timer);
    this.timer = null;
  }

  /** Change the bounds (applied at the next tick: a count outside them is corrected at once). */
  setBounds(minWorkers: number, maxWorkers: number): void {
    this.config = { ...this.config, minWorkers, maxWorkers };
  }

  /** A manual scale happened: cooldowns count from it, auto-scaling continues from the new count. */
  noteManualScale(): void {
    const now = this.o.clock.now();
    this.state = { lastUpAt: now, lastDownAt: now, surplusSince: null };
  }

  status(): AutoScalerStatus {
    return {
      enabled: this.enabled,
      minWorkers: this.config.minWorkers,
      maxWorkers: this.config.maxWorkers,
      intervalMs: this.o.intervalMs,
      decisions: [...this.decisions],
      steps: [...this.steps],
    };
  }

  private arm(): void {
    this.timer = this.o.clock.setTimeout(() => {
      this.timer = null;
      void this.tick();
    }, this.o.intervalMs);
  }

  /** One decision now (the loop calls it; tests may too). Resolves with the decision. */
  async tick(): Promise<ScaleDecision | null> {
    if (this.ticking) return null;
    this.ticking = true;
    try {
      const input = await this.o.measure();
      const now = this.o.clock.now();
      const d = decide(input, this.state, now, this.config);
      this.state = d.state;
      const last = this.decisions[this.decisions.length - 1];
      if (d.action !== 'hold' || last?.reason !== d.reason) {
        this.decisions.push({ at: now, action: d.action, target: d.target, reason: d.reason });
        if (this.decisions.length > KEEP) this.decisions.shift();
      }
      if (d.action !== 'hold') {
        this.steps.push({ at: now, action: d.action, target: d.target, reason: d.reason });
        if (this.steps.length > KEEP) this.steps.shift();
        this.o.resize(d.target);
      }
      this.o.onDecision?.({ ...d, at: now });
      return d;
    } catch (err) {
      this.o.onError?.(err);
      return null;
    } finally {
      this.ticking = false;
      if (this.enabled && this.timer === null) this.arm();
    }
  }
}
