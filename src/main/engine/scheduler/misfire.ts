/**
 * Missed slots: which due slots are late, what each misfire policy does with them, and how to
 * notice that the wall clock jumped (system sleep, a clock change) so the engine re-plans.
 *
 * A slot is due when it is at or before now. It is on time when it is late by no more than the
 * schedule's misfire threshold, missed otherwise. Policies for missed slots:
 * - skip: none of them fires; the schedule waits for its next slot;
 * - run_once: one catch-up run now stands for all of them (the latest missed slot), unless an
 *   on-time slot fires in the same tick, which then stands for them and no extra run is made;
 * - run_all: each missed slot fires as a catch-up run, at most maxCatchUp of them: the newest
 *   are kept, the oldest beyond the cap are skipped.
 */
import type { MISFIRE_POLICIES } from '../../../shared/model';

/** A misfire policy: skip | run_once | run_all. */
export type MisfirePolicy = (typeof MISFIRE_POLICIES)[number];

/** Why a slot did not fire. */
export type SkipReason =
  | 'misfire' // missed, and the policy is skip
  | 'coalesced' // missed, and folded into one run (run_once)
  | 'catch_up_cap' // missed, and older than the newest maxCatchUp (run_all)
  | 'overlap'; // a run of the schedule was still in progress (overlap policy)

/** A run to create now, for `slot`; `catchUp` when the slot was missed. */
export interface PlannedFire {
  slot: number;
  catchUp: boolean;
}

/** A slot that will never fire, and why. */
export interface SkippedSlot {
  slot: number;
  reason: SkipReason;
}

/** Due slots (ascending, all ≤ now) split into missed (late beyond the threshold) and on-time ones. */
export function splitDueSlots(due: readonly number[], now: number, thresholdMs: number): { missed: number[]; onTime: number[] } {
  const missed: number[] = [];
  const onTime: number[] = [];
  for (const slot of due) (now - slot > thresholdMs ? missed : onTime).push(slot);
  return { missed, onTime };
}

/**
 * What the misfire policy makes of due slots: fires (ascending by slot) and skips.
 * `missed` and `onTime` are ascending, every missed slot before every on-time one.
 */
export function applyMisfirePolicy(
  policy: MisfirePolicy,
  missed: readonly number[],
  onTime: readonly number[],
  maxCatchUp: number,
): { fires: PlannedFire[]; skips: SkippedSlot[] } {
  const fires: PlannedFire[] = [];
  const skips: SkippedSlot[] = [];
  if (policy === 'skip') {
    for (const slot of missed) skips.push({ slot, reason: 'misfire' });
  } else if (policy === 'run_once') {
    const last = missed.length - 1;
    missed.forEach((slot, i) => {
      if (i === last && onTime.length === 0) fires.push({ slot, catchUp: true });
      else skips.push({ slot, reason: 'coalesced' });
    });
  } else {
    const firstKept = Math.max(0, missed.length - maxCatchUp);
    missed.forEach((slot, i) => {
      if (i >= firstKept) fires.push({ slot, catchUp: true });
      else skips.push({ slot, reason: 'catch_up_cap' });
    });
  }
  for (const slot of onTime) fires.push({ slot, catchUp: false });
  return { fires, skips };
}

/** The reason a missed slot gets when it is dropped before the final batch of a long catch-up. */
export function earlyBatchReason(policy: MisfirePolicy): SkipReason {
  return policy === 'skip' ? 'misfire' : policy === 'run_once' ? 'coalesced' : 'catch_up_cap';
}

/** Whether, and by how much, the wall clock moved differently from the monotonic clock. */
export interface ClockJump {
  jumped: boolean;
  /** Wall-clock advance minus monotonic advance: > 0 forward (sleep, clock set ahead), < 0 backward. */
  deltaMs: number;
  direction: 'forward' | 'backward' | 'none';
}

/**
 * Compare two readings of the wall clock (Date.now) and a monotonic clock (performance.now).
 * Sleep shows as a forward jump (the monotonic clock stops while the machine sleeps on Linux
 * and macOS); a clock set back shows as a backward one. Within `toleranceMs` is no jump.
 * After a jump, the engine re-plans every schedule with the new wall time: missed slots go
 * through the misfire policy, and a backward jump fires nothing twice (see planTick).
 */
export function detectClockJump(prevWall: number, prevMono: number, nowWall: number, nowMono: number, toleranceMs: number): ClockJump {
  const deltaMs = nowWall - prevWall - (nowMono - prevMono);
  const jumped = Math.abs(deltaMs) > toleranceMs;
  return { jumped, deltaMs, direction: !jumped ? 'none' : deltaMs > 0 ? 'forward' : 'backward' };
}
