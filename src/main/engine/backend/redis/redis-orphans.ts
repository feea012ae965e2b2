/**
 * Jobs a fault orphaned: moved to active and locked with one of this engine's tokens, but unknown
 * to it, because the reply that would have told it was lost (docs/redis.md, "Resilience").
 * - A MULTI that Redis ran while the connection dropped: its claims, or the jobs its completions
 *   fetched, are locked with this engine's tokens; the engine saw only an error.
 * - A completion that a failed-over master acknowledged but did not replicate: on the new master
 *   the job is still active and locked.
 * Left alone, such jobs wait for BullMQ's stalled-job check: up to a lock duration plus two check
 * intervals (90 s with the defaults). After a failed claim or write, this engine looks for them
 * once a second for one lock duration (after that their locks have expired and the stalled-job
 * check takes them) and runs them again.
 *
 * The search must not mistake a job whose reply is merely still on its way for an orphan. So it
 * runs alone: claims and writes (the calls that take jobs and change what the engine holds) wait
 * while it runs, and it starts only when none is in flight, counting a call until its own promise
 * settles, even when its deadline has passed.
 */

/** Interval between two searches while the window is open. */
export const ORPHAN_SWEEP_MS = 1000;
/** How long a search waits for the claims and writes in flight to settle before it gives up for now. */
const QUIET_WAIT_MS = 2000;

export class OrphanWatch {
  private inFlight = 0;
  private quiet: (() => void) | null = null;
  /** Set while a search runs: claims and writes wait for it. */
  private gate: Promise<void> | null = null;
  /** Search until this time (0: no fault seen). */
  private until = 0;
  private last = 0;

  constructor(private readonly windowMs: number) {}

  /** A claim or write failed (or the connection was rebuilt): search for orphans for a while. */
  fault(now = Date.now()): void {
    this.until = Math.max(this.until, now + this.windowMs);
  }

  /** Whether a search is due now. */
  private due(now: number): boolean {
    return now < this.until && now - this.last >= ORPHAN_SWEEP_MS && !this.gate;
  }

  /**
   * Run a claim or write: waits while a search runs; counted in flight until `fn`'s own promise
   * settles. `fn` is the call without its deadline, `bounded` wraps it in one: a failure of
   * either opens the search window.
   */
  async track<T>(bounded: (fn: () => Promise<T>) => Promise<T>, fn: () => Promise<T>): Promise<T> {
    while (this.gate) await this.gate;
    try {
      return await bounded(() => {
        this.inFlight++;
        const p = fn();
        const settled = () => {
          if (--this.inFlight === 0) this.quiet?.();
        };
        p.then(settled, () => {
          this.fault();
          settled();
        });
        return p;
      });
    } catch (err) {
      this.fault();
      throw err;
    }
  }

  /**
   * Run `search` alone, once no claim or write is in flight (giving up after QUIET_WAIT_MS, to try
   * again at the next tick). Returns whether it ran.
   */
  async sweep(search: () => Promise<unknown>, now = Date.now()): Promise<boolean> {
    if (!this.due(now)) return false;
    this.last = now;
    let open!: () => void;
    this.gate = new Promise<void>((resolve) => (open = resolve));
    try {
      if (this.inFlight > 0) {
        const quiet = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), QUIET_WAIT_MS);
          this.quiet = () => {
            clearTimeout(timer);
            resolve(true);
          };
        });
        this.quiet = null;
        if (!quiet) return false;
      }
      await search();
      return true;
    } finally {
      this.gate = null;
      open();
    }
  }
}
