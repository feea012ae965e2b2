/**
 * Host backpressure: when the machine is busy, stop starting new jobs (running jobs are never
 * touched), and resume only once it has clearly recovered.
 *
 * Hysteresis, so that a host hovering around a threshold does not toggle every second:
 * - ENGAGE when `engageSamples` consecutive samples (default 1) have CPU % above
 *   `cpuThreshold` (JOB_QUEUE_CPU_THRESHOLD, default 80) or memory % above `memoryThreshold`
 *   (JOB_QUEUE_MEMORY_THRESHOLD, default 85).
 * - RELEASE only when `releaseSamples` consecutive samples (default 3) are below BOTH
 *   thresholds minus `releaseMargin` (default 10 points: CPU < 70 %, memory < 75 %).
 *   A sample between the release level and the threshold keeps the current state and resets
 *   the good-sample count.
 * A threshold of 100 or more never engages. Sample values of null (not measured yet) count as
 * neither bad nor good.
 */

export interface BackpressureConfig {
  /** CPU load % above which new starts stop. */
  cpuThreshold: number;
  /** Memory (active) % above which new starts stop. */
  memoryThreshold: number;
  /** Points below a threshold a value must fall to count as recovered. */
  releaseMargin: number;
  /** Consecutive over-threshold samples needed to engage. */
  engageSamples: number;
  /** Consecutive recovered samples needed to release. */
  releaseSamples: number;
}

export const DEFAULT_BACKPRESSURE_CONFIG: BackpressureConfig = {
  cpuThreshold: 80,
  memoryThreshold: 85,
  releaseMargin: 10,
  engageSamples: 1,
  releaseSamples: 3,
};

/** The part of a host sample backpressure reads. */
export interface LoadSample {
  /** Epoch ms. */
  at: number;
  cpuPercent: number | null;
  memoryPercent: number | null;
}

/** What health and stats show. */
export interface BackpressureState {
  engaged: boolean;
  /** Why it is engaged ("host CPU 93% above threshold 80%"), null when released. */
  reason: string | null;
  /** When the current state (engaged or released) began; null before the first sample. */
  since: number | null;
  /** Consecutive bad samples (while released) or good samples (while engaged) so far. */
  streak: number;
  /** The last sample's values. */
  cpuPercent: number | null;
  memoryPercent: number | null;
}

export const INITIAL_BACKPRESSURE_STATE: BackpressureState = {
  engaged: false,
  reason: null,
  since: null,
  streak: 0,
  cpuPercent: null,
  memoryPercent: null,
};

function overReason(sample: LoadSample, config: BackpressureConfig): string | null {
  const parts: string[] = [];
  if (sample.cpuPercent !== null && config.cpuThreshold < 100 && sample.cpuPercent > config.cpuThreshold) {
    parts.push(`host CPU ${Math.round(sample.cpuPercent)}% above threshold ${config.cpuThreshold}%`);
  }
  if (sample.memoryPercent !== null && config.memoryThreshold < 100 && sample.memoryPercent > config.memoryThreshold) {
    parts.push(`host memory ${Math.round(sample.memoryPercent)}% above threshold ${config.memoryThreshold}%`);
  }
  return parts.length > 0 ? parts.join('; ') : null;
}

function recovered(sample: LoadSample, config: BackpressureConfig): boolean {
  if (sample.cpuPercent === null && sample.memoryPercent === null) return false;
  const cpuOk = sample.cpuPercent === null || sample.cpuPercent < config.cpuThreshold - config.releaseMargin;
  const memOk = sample.memoryPercent === null || sample.memoryPercent < config.memoryThreshold - config.releaseMargin;
  return cpuOk && memOk;
}

/**
 * The next backpressure state after one host sample. Pure.
 * Inputs: the previous state, the sample, the config. Outputs: the new state. Errors: none.
 */
export function nextBackpressureState(
  state: BackpressureState,
  sample: LoadSample,
  config: BackpressureConfig = DEFAULT_BACKPRESSURE_CONFIG,
): BackpressureState {
  const base = { cpuPercent: sample.cpuPercent, memoryPercent: sample.memoryPercent };
  const since = state.since ?? sample.at;
  const over = overReason(sample, config);
  if (!state.engaged) {
    if (!over) return { ...state, ...base, since, streak: 0 };
    const streak = state.streak + 1;
    if (streak >= config.engageSamples) {
      return { ...base, engaged: true, reason: over, since: sample.at, streak: 0 };
    }
    return { ...state, ...base, since, streak };
  }
  if (!recovered(sample, config)) {
    // Still engaged; keep the reason current while over, keep the old one in the dead band.
    return { ...state, ...base, reason: over ?? state.reason, streak: 0 };
  }
  const streak = state.streak + 1;
  if (streak >= config.releaseSamples) {
    return { ...base, engaged: false, reason: null, since: sample.at, streak: 0 };
  }
  return { ...state, ...base, streak };
}

/** Stateful holder of the backpressure state, fed by the host monitor. */
export class Backpressure {
  private current: BackpressureState = INITIAL_BACKPRESSURE_STATE;
  private readonly config: BackpressureConfig;

  /** Inputs: partial config over the defaults. Errors: none (values are used as given). */
  constructor(config: Partial<BackpressureConfig> = {}) {
    this.config = { ...DEFAULT_BACKPRESSURE_CONFIG, ...config };
  }

  /** Applies one sample; returns the new state. */
  update(sample: LoadSample): BackpressureState {
    this.current = nextBackpressureState(this.current, sample, this.config);
    return this.current;
  }

  /** The current state. */
  state(): BackpressureState {
    return this.current;
  }

  /** The thresholds in use (for health output). */
  settings(): Readonly<BackpressureConfig> {
    return this.config;
  }

  /** Change the thresholds live (settings:update); the next sample is judged by them. */
  setThresholds(thresholds: Partial<Pick<BackpressureConfig, 'cpuThreshold' | 'memoryThreshold'>>): void {
    if (thresholds.cpuThreshold !== undefined) this.config.cpuThreshold = thresholds.cpuThreshold;
    if (thresholds.memoryThreshold !== undefined) this.config.memoryThreshold = thresholds.memoryThreshold;
  }
}
