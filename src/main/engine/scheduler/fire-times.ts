/**
 * When a schedule fires: the instants (epoch ms) of its slots, and previews for people.
 *
 * DST policy (also in docs/scheduling.md). Cron expressions are wall-clock rules in the
 * schedule's zone:
 * - spring forward: a wall time that does not exist (02:30 in New York on 2025-03-09) fires once,
 *   at the first instant after the gap (03:00 EDT = 07:00Z); several missing wall times of the
 *   same gap merge into that one fire, and merge with a slot at the gap's end; nothing is lost;
 * - fall back: a wall time that occurs twice (01:30 in New York on 2025-11-02) fires once, at
 *   its first occurrence (01:30 EDT = 05:30Z); the repeated hour does not fire again, so an
 *   hourly `0 * * * *` has no run at 01:00 EST and a `*\/15` one has none from 01:00 to 01:45 EST;
 * - fixed intervals (`intervalSeconds`) and run-once times are absolute instants: unaffected.
 *
 * cron-parser 5 evaluated with `tz` differs on both points: it moves a missing time forward by
 * the gap's length (02:30 → 03:30 EDT) and fires wildcard-hour expressions twice in the
 * repeated hour (01:00 EDT and 01:00 EST). So cron-parser matches the fields on wall times (in
 * UTC, where every wall time exists once) and `zone-clock` maps wall times to instants.
 */
import { CronExpressionParser } from 'cron-parser';
import type { ScheduleDefinition } from './schedule-definition';
import { createZoneClock, localIso } from './zone-clock';

/** Where a schedule stands: its interval anchor and the runs it made (both from ScheduleState). */
export interface FireProgress {
  /** First slot of an interval schedule; default: startDate, else `after` + interval. */
  anchorAt?: number;
  /** Runs already made, counted against maxRuns (a run-once schedule has one run); default 0. */
  runs?: number;
}

/** How many more runs a schedule may make after `runs` (Infinity when unbounded). */
export function remainingRuns(def: ScheduleDefinition, runs: number): number {
  if (def.scheduledTime !== undefined) return Math.max(0, 1 - runs);
  return def.maxRuns === undefined ? Infinity : Math.max(0, def.maxRuns - runs);
}

function* cronSlots(def: ScheduleDefinition, expression: string, lower: number): Generator<number> {
  const clock = createZoneClock(def.timezone);
  const walls = CronExpressionParser.parse(expression, { currentDate: clock.wallAt(lower), tz: 'UTC' });
  let last = lower;
  for (;;) {
    let wall: number;
    try {
      wall = walls.next().getTime();
    } catch {
      return; // no further match (cron-parser's loop limit)
    }
    const at = clock.instantOfWall(wall);
    if (at <= last) continue; // at or before `after`, or merged with the previous slot (DST)
    if (def.endDate !== undefined && at > def.endDate) return;
    last = at;
    yield at;
  }
}

function* intervalSlots(def: ScheduleDefinition, seconds: number, lower: number, anchorAt?: number): Generator<number> {
  const step = seconds * 1000;
  const anchor = anchorAt ?? def.startDate ?? lower + step;
  let k = lower < anchor ? 0 : Math.floor((lower - anchor) / step) + 1;
  for (;;) {
    const at = anchor + k * step;
    if (def.endDate !== undefined && at > def.endDate) return;
    yield at;
    k++;
  }
}

/**
 * Every slot of `def` strictly after `after`, in order, within startDate..endDate (inclusive),
 * without the maxRuns limit (skipped slots do not use runs up). Infinite for open-ended
 * schedules: take what you need.
 */
export function* slotsAfter(def: ScheduleDefinition, after: number, progress: FireProgress = {}): Generator<number> {
  const lower = def.startDate === undefined ? after : Math.max(after, def.startDate - 1);
  if (def.cronExpression !== undefined) {
    yield* cronSlots(def, def.cronExpression, lower);
  } else if (def.intervalSeconds !== undefined) {
    yield* intervalSlots(def, def.intervalSeconds, lower, progress.anchorAt);
  } else if (def.scheduledTime !== undefined) {
    const at = def.scheduledTime;
    if (at > lower && (def.endDate === undefined || at <= def.endDate)) yield at;
  }
}

/**
 * The next `count` fire instants (epoch ms) strictly after `after`, honouring startDate,
 * endDate and the runs left under maxRuns. Fewer (or none) when the schedule ends first.
 */
export function nextFireTimes(def: ScheduleDefinition, after: number, count: number, progress: FireProgress = {}): number[] {
  const limit = Math.min(count, remainingRuns(def, progress.runs ?? 0));
  const out: number[] = [];
  if (limit <= 0) return out;
  for (const at of slotsAfter(def, after, progress)) {
    out.push(at);
    if (out.length >= limit) break;
  }
  return out;
}

/** One previewed fire time. */
export interface FirePreview {
  /** Epoch milliseconds. */
  at: number;
  /** `2025-03-09T07:00:00.000Z` */
  utc: string;
  /** The same instant on the schedule's clocks: `2025-03-09T03:00:00.000-04:00`. */
  local: string;
  /** The schedule's IANA zone. */
  zone: string;
}

/** The next `count` fire times after `from`, in UTC and in the schedule's zone. */
export function preview(def: ScheduleDefinition, from: number, count: number, progress: FireProgress = {}): FirePreview[] {
  const clock = createZoneClock(def.timezone);
  return nextFireTimes(def, from, count, progress).map((at) => ({
    at,
    utc: new Date(at).toISOString(),
    local: localIso(clock, at),
    zone: clock.zone,
  }));
}
