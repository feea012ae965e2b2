/**
 * Time comes from here, so that time logic can be tested with a fake clock. `Clock` is `now()`
 * only; `TimerClock` adds one-shot timers, so that every time-based part of the engine (rate
 * pools, the host monitor's interval, the auto-scaler's loop) runs on real time in the app and on
 * scripted time in tests (`createManualClock`).
 */
export interface Clock {
  /** Wall-clock time, epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** An opaque timer handle returned by `TimerClock.setTimeout`. */
export type TimerHandle = unknown;

/** `now()` plus one-shot timers. */
export interface TimerClock extends Clock {
  /** Calls `fn` once after `ms` milliseconds (0 or more); returns a handle for `clearTimeout`. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Real time. Timers are `unref`'d: a pending rate-pool wait or monitor tick never keeps a
 * process alive on its own.
 */
export function systemTimerClock(): TimerClock {
  return {
    now: () => Date.now(),
    setTimeout: (fn, ms) => {
      const handle = setTimeout(fn, Math.max(0, ms));
      handle.unref?.();
      return handle;
    },
    clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  };
}

/** A clock whose time moves only when told to; for tests and simulations. */
export interface ManualClock extends TimerClock {
  /**
   * Moves time forward by `ms`, firing due timers in time order (each sees `now()` equal to its
   * due time). Timers set by fired callbacks fire too if they fall within the advance.
   */
  advance(ms: number): void;
  /** Moves time to `at` (no-op when `at` is in the past). */
  advanceTo(at: number): void;
  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number;
}

/**
 * Creates a manual clock starting at `start` (epoch ms, default 0).
 * Inputs: start time. Outputs: a ManualClock. Errors: none.
 */
export function createManualClock(start = 0): ManualClock {
  let current = start;
  let nextId = 1;
  const timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  const advanceTo = (target: number): void => {
    for (;;) {
      let dueId: number | null = null;
      let due: { at: number; seq: number; fn: () => void } | null = null;
      for (const [id, t] of timers) {
        if (t.at > target) continue;
        if (!due || t.at < due.at || (t.at === due.at && t.seq < due.seq)) {
          due = t;
          dueId = id;
        }
      }
      if (!due || dueId === null) break;
      timers.delete(dueId);
      current = Math.max(current, due.at);
      due.fn();
    }
    current = Math.max(current, target);
  };

  return {
    now: () => current,
    setTimeout: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: current + Math.max(0, ms), seq: id, fn });
      return id;
    },
    clearTimeout: (handle) => {
      timers.delete(handle as number);
    },
    advance: (ms) => advanceTo(current + ms),
    advanceTo,
    pendingTimers: () => timers.size,
  };
}
