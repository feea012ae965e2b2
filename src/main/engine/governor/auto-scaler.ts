/**
 * Auto-scaling decisions for a worker count between `minWorkers` and `maxWorkers`
 * (JOB_QUEUE_WORKERS_MIN / JOB_QUEUE_WORKERS_MAX). A pure function: the caller keeps the state,
 * passes the time, and carries out the decision (scaling down drains a worker first).
 *
 * Demand = busy workers + ceil(backlog / jobsPerWorker) (or ceil((running jobs + backlog) /
 * jobsPerWorker) when the running-job count is given), where backlog counts runnable pending jobs
 * not yet claimed.
 * - Bounds first: below min → up to min, above max → down to max (immediately; a bound is not
 *   load-driven, so neither cooldown nor backpressure holds it).
 * - UP when demand exceeds the current count AND the oldest pending job has waited at least
 *   `upWaitMs` (a backlog that idle workers clear within a tick never scales), by at most
 *   `maxStepUp`, not within `upCooldownMs` of the previous scale-up, and never while host
 *   backpressure is engaged (more workers would only add load).
 * - DOWN only when there has been surplus (current > max(demand, min)) continuously for
 *   `downIdleMs` (hysteresis: any return of demand resets the idle clock), not within
 *   `downCooldownMs` of the previous scale in either direction, by at most `maxStepDown`.
 * Otherwise HOLD. With these rules an oscillating backlog scales up once and stays there: the
 * idle period needed to come down is never reached between bursts, so it does not flap.
 */

export interface AutoScalerConfig {
  minWorkers: number;
  maxWorkers: number;
  /** Jobs one worker runs at once. */
  jobsPerWorker: number;
  /** Oldest pending job's wait that justifies scaling up, ms. */
  upWaitMs: number;
  /** Minimum time between two scale-ups, ms. */
  upCooldownMs: number;
  /** Minimum time after any scale change before a scale-down, ms. */
  downCooldownMs: number;
  /** Surplus must last this long before a scale-down, ms. */
  downIdleMs: number;
  /** Most workers added at once. */
  maxStepUp: number;
  /** Most workers removed at once. */
  maxStepDown: number;
}

export const DEFAULT_AUTO_SCALER_CONFIG: AutoScalerConfig = {
  minWorkers: 2,
  maxWorkers: 10,
  jobsPerWorker: 1,
  upWaitMs: 2_000,
  upCooldownMs: 10_000,
  downCooldownMs: 30_000,
  downIdleMs: 60_000,
  maxStepUp: 2,
  maxStepDown: 1,
};

export interface AutoScalerInput {
  /** Workers now (draining ones excluded). */
  current: number;
  /** Runnable pending jobs not yet claimed. */
  backlog: number;
  /** Age of the oldest runnable pending job, ms (null: none). */
  oldestWaitMs: number | null;
  /** Workers running at least one job. */
  busyWorkers: number;
  /** Host backpressure engaged. */
  backpressure: boolean;
  /** Jobs running now; when given (and jobsPerWorker > 1), demand counts free slots of busy workers. */
  runningJobs?: number;
}

export interface AutoScalerState {
  lastUpAt: number | null;
  lastDownAt: number | null;
  /** Since when there has been surplus without interruption (null: no surplus now). */
  surplusSince: number | null;
}

export const INITIAL_AUTO_SCALER_STATE: AutoScalerState = { lastUpAt: null, lastDownAt: null, surplusSince: null };

export interface ScaleDecision {
  action: 'up' | 'down' | 'hold';
  /** Worker count to reach (equal to `current` on hold). */
  target: number;
  reason: string;
  /** State to pass to the next call. */
  state: AutoScalerState;
}

/**
 * Decides whether to scale. Pure.
 * Inputs: measurements, the previous state, `now` (epoch ms), config (defaults above).
 * Outputs: action, target, a human-readable reason and the next state. Errors: none; counts are
 * clamped to sane values (min ≤ max enforced by using max(min, max)).
 */
export function decide(
  input: AutoScalerInput,
  state: AutoScalerState,
  now: number,
  config: AutoScalerConfig = DEFAULT_AUTO_SCALER_CONFIG,
): ScaleDecision {
  const min = Math.max(0, Math.floor(config.minWorkers));
  const max = Math.max(min, Math.floor(config.maxWorkers));
  const current = Math.max(0, Math.floor(input.current));
  const perWorker = Math.max(1, config.jobsPerWorker);
  const backlog = Math.max(0, input.backlog);
  const demand =
    input.runningJobs !== undefined
      ? Math.ceil((Math.max(0, input.runningJobs) + backlog) / perWorker)
      : Math.min(current, Math.max(0, input.busyWorkers)) + Math.ceil(backlog / perWorker);

  if (current < min) {
    return { action: 'up', target: min, reason: `below the minimum of ${min} workers`, state: { ...state, lastUpAt: now, surplusSince: null } };
  }
  if (current > max) {
    return { action: 'down', target: max, reason: `above the maximum of ${max} workers`, state: { ...state, lastDownAt: now, surplusSince: null } };
  }

  const surplus = current - Math.max(demand, min);
  const surplusSince = surplus > 0 ? (state.surplusSince ?? now) : null;
  const hold = (reason: string): ScaleDecision => ({ action: 'hold', target: current, reason, state: { ...state, surplusSince } });

  if (demand > current) {
    if (current >= max) return hold(`demand for ${demand} workers, already at the maximum of ${max}`);
    const waited = input.oldestWaitMs ?? 0;
    if (waited < config.upWaitMs) {
      return hold(`backlog of ${backlog}, oldest waited ${Math.round(waited)} ms (< ${config.upWaitMs} ms)`);
    }
    if (input.backpressure) return hold(`backlog of ${backlog}, but the host is under backpressure`);
    if (state.lastUpAt !== null && now - state.lastUpAt < config.upCooldownMs) {
      return hold(`backlog of ${backlog}, scale-up cooling down`);
    }
    const target = Math.min(max, current + Math.max(1, Math.min(config.maxStepUp, demand - current)));
    return {
      action: 'up',
      target,
      reason: `backlog of ${backlog}, oldest waited ${Math.round(waited / 1000)} s: ${current} → ${target} workers`,
      state: { ...state, lastUpAt: now, surplusSince: null },
    };
  }

  if (surplus > 0 && surplusSince !== null) {
    const idleFor = now - surplusSince;
    if (idleFor < config.downIdleMs) return hold(`${surplus} spare workers for ${Math.round(idleFor / 1000)} s (< ${config.downIdleMs / 1000} s)`);
    const lastChange = Math.max(state.lastUpAt ?? -Infinity, state.lastDownAt ?? -Infinity);
    if (now - lastChange < config.downCooldownMs) return hold(`${surplus} spare workers, scale-down cooling down`);
    const target = Math.max(min, current - Math.max(1, Math.min(config.maxStepDown, surplus)));
    return {
      action: 'down',
      target,
      reason: `${surplus} spare workers for ${Math.round(idleFor / 1000)} s: ${current} → ${target} workers`,
      state: { ...state, lastDownAt: now, surplusSince },
    };
  }

  return hold(`demand matches ${current} workers`);
}
