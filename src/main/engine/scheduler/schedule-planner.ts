/**
 * The scheduler's decision for one tick of one schedule, as a pure function of the definition,
 * the stored state, the time and how many of its runs are in progress. The engine calls
 * planTick when a schedule's nextFireAt is due and after a clock jump, creates one job per
 * fire, and stores nextState (with ScheduleStore.advance, so two engines never both fire).
 *
 * Idempotent: every slot at or before max(lastSlotAt, lastFireAt) has been planned; planning
 * the same tick again, or after the wall clock went backwards, fires nothing. A long outage is
 * planned in batches of MAX_SLOTS_PER_TICK slots; `incomplete` asks the engine to call again.
 *
 * Overlap policy (runs "in progress" = running + queued jobs of the schedule):
 * - allow: every fire goes;
 * - skip: a fire goes only when nothing is in progress (so at most one per tick);
 * - queue: a fire goes while at most one run waits behind the one that runs (or runs next).
 * Fires that do not go are skipped with reason `overlap`; the newest fires are the ones kept.
 * With skip and queue the engine runs a schedule's jobs one at a time.
 */
import type { OVERLAP_POLICIES } from '../../../shared/model';
import { nextFireTimes, remainingRuns, slotsAfter } from './fire-times';
import {
  applyMisfirePolicy,
  earlyBatchReason,
  splitDueSlots,
  type PlannedFire,
  type SkippedSlot,
} from './misfire';
import type { ScheduleDefinition, ScheduleState } from './schedule-definition';

/** An overlap policy: allow | skip | queue. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** Most due slots looked at in one planTick call (a long outage takes several calls); > maxCatchUp's limit. */
export const MAX_SLOTS_PER_TICK = 2000;

/** What planTick needs to know. */
export interface TickInput {
  def: ScheduleDefinition;
  state: ScheduleState;
  /** The wall clock now, epoch ms. */
  now: number;
  /** Jobs of this schedule that are running now. */
  runningJobsOfSchedule: number;
  /** Jobs of this schedule created and not started yet (pending, scheduled, retrying). */
  queuedJobsOfSchedule: number;
}

/** What the engine does for this tick. */
export interface TickPlan {
  /** Runs to create now, ascending by slot. */
  fires: PlannedFire[];
  /** Slots that will never fire (ascending). */
  skippedSlots: number[];
  /** The same slots with their reasons. */
  skips: SkippedSlot[];
  /** The state to store (see ScheduleStore.advance). */
  nextState: ScheduleState;
  /** More due slots remain (nextState.nextFireAt ≤ now): plan again right away. */
  incomplete: boolean;
}

function cursorOf(def: ScheduleDefinition, state: ScheduleState): number {
  const planned = Math.max(state.lastSlotAt ?? -Infinity, state.lastFireAt ?? -Infinity);
  if (planned !== -Infinity) return planned;
  return def.scheduledTime !== undefined ? Number.MIN_SAFE_INTEGER : state.anchorAt - 1;
}

/** State with nextFireAt and endedReason recomputed from its cursor and runs. */
function withNextFire(def: ScheduleDefinition, state: ScheduleState): ScheduleState {
  const [next] = nextFireTimes(def, cursorOf(def, state), 1, { anchorAt: state.anchorAt, runs: state.runs });
  if (next !== undefined) return { ...state, nextFireAt: next, endedReason: null };
  const endedReason =
    def.scheduledTime !== undefined ? 'once_done' : remainingRuns(def, state.runs) === 0 ? 'max_runs' : 'end_date';
  return { ...state, nextFireAt: null, endedReason };
}

function anchorFor(def: ScheduleDefinition, now: number): number {
  if (def.startDate !== undefined) return def.startDate;
  return def.intervalSeconds !== undefined ? now + def.intervalSeconds * 1000 : now;
}

/**
 * The state of a schedule created at `now`: slots from now on (a run-once time already past
 * counts as missed and goes through the misfire policy), interval anchored on startDate or
 * on `now` + interval.
 */
export function initialScheduleState(def: ScheduleDefinition, now: number, paused = false): ScheduleState {
  return withNextFire(def, {
    nextFireAt: null,
    lastFireAt: null,
    lastSlotAt: def.scheduledTime !== undefined ? null : now - 1,
    runs: 0,
    skipped: 0,
    paused,
    anchorAt: anchorFor(def, now),
    endedReason: null,
  });
}

/**
 * The state after the definition was changed at `now` to `def`: runs and history are kept,
 * the interval is re-anchored, slots before `now` are not caught up; a changed end date or
 * maxRuns can revive an ended schedule.
 */
export function updatedScheduleState(def: ScheduleDefinition, state: ScheduleState, now: number): ScheduleState {
  const once = def.scheduledTime !== undefined;
  return withNextFire(def, {
    ...state,
    lastSlotAt: once ? (state.runs > 0 ? state.lastSlotAt : null) : Math.max(state.lastSlotAt ?? -Infinity, now - 1),
    anchorAt: anchorFor(def, now),
  });
}

/** The state of a paused schedule (planTick plans nothing for it). */
export function pausedScheduleState(state: ScheduleState): ScheduleState {
  return { ...state, paused: true };
}

/**
 * The state of a schedule resumed at `now`. Recurring slots that passed while it was paused
 * are dropped, not caught up; a run-once time that passed goes through the misfire policy.
 */
export function resumedScheduleState(def: ScheduleDefinition, state: ScheduleState, now: number): ScheduleState {
  const lastSlotAt = def.scheduledTime !== undefined ? state.lastSlotAt : Math.max(state.lastSlotAt ?? -Infinity, now - 1);
  return withNextFire(def, { ...state, paused: false, lastSlotAt });
}

/**
 * Keep the fires the overlap policy lets go, newest first; the rest are skipped (`overlap`).
 * `running` and `queued` count the schedule's jobs in progress before this tick's fires.
 */
export function applyOverlapPolicy(
  policy: OverlapPolicy,
  fires: readonly PlannedFire[],
  running: number,
  queued: number,
): { fires: PlannedFire[]; skips: SkippedSlot[] } {
  const capacity =
    policy === 'allow' ? Infinity : policy === 'skip' ? (running + queued > 0 ? 0 : 1) : Math.max(0, (running > 0 ? 1 : 2) - queued);
  const firstKept = Math.max(0, fires.length - capacity);
  return {
    fires: fires.slice(firstKept),
    skips: fires.slice(0, firstKept).map((f) => ({ slot: f.slot, reason: 'overlap' as const })),
  };
}

/**
 * Plan one tick: every slot since the last planned one up to `now` either fires (on time, or as
 * a catch-up under the misfire policy) or is skipped, then the overlap policy and maxRuns
 * apply. Returns the fires, the skipped slots and the state to store. A paused or ended
 * schedule plans nothing and keeps its state.
 */
export function planTick(input: TickInput): TickPlan {
  const { def, state, now } = input;
  const idle = { fires: [], skippedSlots: [], skips: [], nextState: state, incomplete: false };
  if (state.paused || (state.nextFireAt === null && state.endedReason !== null)) return idle;

  const due: number[] = [];
  let more = false;
  for (const slot of slotsAfter(def, cursorOf(def, state), { anchorAt: state.anchorAt })) {
    if (slot > now) break;
    if (due.length === MAX_SLOTS_PER_TICK) {
      more = true;
      break;
    }
    due.push(slot);
  }
  // A batch with more due slots behind it decides only its older part: the newest maxCatchUp
  // slots wait for the next call, where the final batch applies the cap (maxCatchUp < batch).
  if (more) due.splice(due.length - def.maxCatchUp);
  if (due.length === 0) return { ...idle, nextState: withNextFire(def, state) };

  const { missed, onTime } = splitDueSlots(due, now, def.misfireThresholdSeconds * 1000);
  const misfire = more
    ? {
        fires: onTime.map((slot) => ({ slot, catchUp: false })),
        skips: missed.map((slot) => ({ slot, reason: earlyBatchReason(def.misfirePolicy) })),
      }
    : applyMisfirePolicy(def.misfirePolicy, missed, onTime, def.maxCatchUp);
  const overlap = applyOverlapPolicy(def.overlapPolicy, misfire.fires, input.runningJobsOfSchedule, input.queuedJobsOfSchedule);
  const fires = overlap.fires.slice(0, remainingRuns(def, state.runs));
  const skips = [...misfire.skips, ...overlap.skips].sort((a, b) => a.slot - b.slot);

  const nextState = withNextFire(def, {
    ...state,
    lastSlotAt: due[due.length - 1] ?? state.lastSlotAt,
    lastFireAt: fires.length > 0 ? Math.max(state.lastFireAt ?? -Infinity, fires[fires.length - 1]!.slot) : state.lastFireAt,
    runs: state.runs + fires.length,
    skipped: state.skipped + skips.length,
  });
  return {
    fires,
    skippedSlots: skips.map((s) => s.slot),
    skips,
    nextState,
    incomplete: nextState.nextFireAt !== null && nextState.nextFireAt <= now,
  };
}
