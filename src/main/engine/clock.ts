/** Time comes from here, so that time logic can be tested with a fake clock. */
export interface Clock {
  /** Wall-clock time, epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
