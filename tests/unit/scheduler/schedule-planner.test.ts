import { describe, expect, it } from 'vitest';
import {
  MAX_SLOTS_PER_TICK,
  detectClockJump,
  initialScheduleState,
  pausedScheduleState,
  planTick,
  resumedScheduleState,
  updatedScheduleState,
  type ScheduleDefinition,
  type ScheduleState,
  type TickPlan,
} from '../../../src/main/engine/scheduler';
import { HOUR, isos, schedule, t } from './helpers';

const CREATED = t('2025-06-15T00:10:00Z');

function tick(def: ScheduleDefinition, state: ScheduleState, now: number, running = 0, queued = 0): TickPlan {
  return planTick({ def, state, now, runningJobsOfSchedule: running, queuedJobsOfSchedule: queued });
}

/** An hourly schedule created at 00:10 whose 01:00 slot fired on time; it waits for 02:00. */
function afterFirstRun(fields: Record<string, unknown> = {}): { def: ScheduleDefinition; state: ScheduleState } {
  const def = schedule({ cronExpression: '0 * * * *', ...fields });
  const first = tick(def, initialScheduleState(def, CREATED), t('2025-06-15T01:00:02Z'));
  expect(first.fires).toEqual([{ slot: t('2025-06-15T01:00:00Z'), catchUp: false }]);
  return { def, state: first.nextState };
}

describe('planTick: on time and idempotent', () => {
  it('fires a due slot on time and moves to the next one', () => {
    const { state } = afterFirstRun();
    expect(state).toMatchObject({ nextFireAt: t('2025-06-15T02:00:00Z'), lastFireAt: t('2025-06-15T01:00:00Z'), runs: 1, skipped: 0 });
  });

  it('planning the same tick twice fires nothing the second time', () => {
    const def = schedule({ cronExpression: '0 * * * *' });
    const now = t('2025-06-15T01:00:02Z');
    const first = tick(def, initialScheduleState(def, CREATED), now);
    const again = tick(def, first.nextState, now);
    expect(first.fires).toHaveLength(1);
    expect(again.fires).toEqual([]);
    expect(again.skippedSlots).toEqual([]);
    expect(again.nextState).toEqual(first.nextState);
  });

  it('does nothing before the next slot', () => {
    const { def, state } = afterFirstRun();
    expect(tick(def, state, t('2025-06-15T01:59:59Z')).fires).toEqual([]);
  });

  it('uses the misfire threshold to tell late from missed', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'skip' });
    expect(tick(def, state, t('2025-06-15T02:01:00Z')).fires).toEqual([{ slot: t('2025-06-15T02:00:00Z'), catchUp: false }]);
    expect(tick(def, state, t('2025-06-15T02:01:00.001Z')).skips).toEqual([{ slot: t('2025-06-15T02:00:00Z'), reason: 'misfire' }]);
  });
});

describe('planTick: a 6-hour sleep (wall clock jumps forward)', () => {
  const SLEPT_AT = t('2025-06-15T01:30:00Z');
  const WOKE_AT = t('2025-06-15T07:30:00Z'); // slots 02:00 … 07:00 were missed
  const MISSED = ['02', '03', '04', '05', '06', '07'].map((h) => t(`2025-06-15T${h}:00:00Z`));

  it('is seen as a forward clock jump', () => {
    const mono = 123_456; // monotonic clock stood still while asleep, 3 s passed awake
    expect(detectClockJump(SLEPT_AT, mono, WOKE_AT, mono + 3000, 2000)).toEqual({
      jumped: true,
      deltaMs: 6 * HOUR - 3000,
      direction: 'forward',
    });
  });

  it('skip: none of the missed slots fire; waits for 08:00', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'skip' });
    const plan = tick(def, state, WOKE_AT);
    expect(plan.fires).toEqual([]);
    expect(plan.skippedSlots).toEqual(MISSED);
    expect(plan.skips.every((s) => s.reason === 'misfire')).toBe(true);
    expect(plan.nextState).toMatchObject({ nextFireAt: t('2025-06-15T08:00:00Z'), runs: 1, skipped: 6 });
  });

  it('run_once: one catch-up run for all of them', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_once' });
    const plan = tick(def, state, WOKE_AT);
    expect(plan.fires).toEqual([{ slot: t('2025-06-15T07:00:00Z'), catchUp: true }]);
    expect(plan.skippedSlots).toEqual(MISSED.slice(0, 5));
    expect(plan.skips.every((s) => s.reason === 'coalesced')).toBe(true);
    expect(plan.nextState).toMatchObject({ nextFireAt: t('2025-06-15T08:00:00Z'), runs: 2, lastFireAt: MISSED[5] });
  });

  it('run_once: no extra run when a slot is on time in the same tick', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_once' });
    const plan = tick(def, state, t('2025-06-15T07:00:30Z'));
    expect(plan.fires).toEqual([{ slot: t('2025-06-15T07:00:00Z'), catchUp: false }]);
    expect(plan.skippedSlots).toEqual(MISSED.slice(0, 5));
  });

  it('run_all: every missed slot, oldest first', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_all', overlapPolicy: 'allow' });
    const plan = tick(def, state, WOKE_AT);
    expect(plan.fires).toEqual(MISSED.map((slot) => ({ slot, catchUp: true })));
    expect(plan.nextState.runs).toBe(7);
  });

  it('run_all: capped by maxCatchUp, the oldest dropped and counted as skipped', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_all', overlapPolicy: 'allow', maxCatchUp: 4 });
    const plan = tick(def, state, WOKE_AT);
    expect(isos(plan.fires.map((f) => f.slot))).toEqual(isos(MISSED.slice(2)));
    expect(plan.skips).toEqual(MISSED.slice(0, 2).map((slot) => ({ slot, reason: 'catch_up_cap' })));
    expect(plan.nextState.skipped).toBe(2);
  });

  it('intervals catch up on their fixed grid', () => {
    const def = schedule({ intervalSeconds: 1800, startDate: '2025-06-15T00:00:00Z', misfirePolicy: 'run_all', overlapPolicy: 'allow', maxCatchUp: 3 });
    const state = tick(def, initialScheduleState(def, CREATED), t('2025-06-15T00:30:01Z')).nextState;
    const plan = tick(def, state, t('2025-06-15T06:40:00Z'));
    expect(isos(plan.fires.map((f) => f.slot))).toEqual(['2025-06-15T05:30:00.000Z', '2025-06-15T06:00:00.000Z', '2025-06-15T06:30:00.000Z']);
    expect(plan.skippedSlots).toHaveLength(9); // 01:00 … 05:00
    expect(plan.nextState.nextFireAt).toBe(t('2025-06-15T07:00:00Z'));
  });

  it('a very long outage is planned in bounded batches with one final decision', () => {
    const def = schedule({ cronExpression: '* * * * * *', misfirePolicy: 'run_once' });
    let state = initialScheduleState(def, CREATED);
    const now = CREATED + 3 * HOUR; // 10,801 one-second slots due, the last 61 within the threshold
    const fired: number[] = [];
    let skipped = 0;
    let calls = 0;
    for (let plan = tick(def, state, now); ; plan = tick(def, state, now)) {
      calls++;
      expect(plan.skippedSlots.length).toBeLessThanOrEqual(MAX_SLOTS_PER_TICK);
      fired.push(...plan.fires.map((f) => f.slot));
      skipped += plan.skippedSlots.length;
      state = plan.nextState;
      if (!plan.incomplete) break;
    }
    expect(calls).toBeGreaterThan(1);
    // Missed ones coalesce (run_once); of the on-time ones, overlap `skip` lets the newest go.
    expect(fired).toEqual([now]);
    expect(skipped).toBe(10_800);
    expect(state.nextFireAt).toBe(now + 1000);
  });

  it('run_all across batches still fires the newest maxCatchUp slots', () => {
    const def = schedule({
      cronExpression: '* * * * * *',
      misfirePolicy: 'run_all',
      overlapPolicy: 'allow',
      maxCatchUp: 10,
      misfireThresholdSeconds: 0,
    });
    const missed = MAX_SLOTS_PER_TICK + 5; // slots CREATED … now - 1 s are missed, `now` is on time
    const now = CREATED + missed * 1000;
    let state = initialScheduleState(def, CREATED);
    const fires: Array<{ slot: number; catchUp: boolean }> = [];
    let skipped = 0;
    for (let plan = tick(def, state, now); ; plan = tick(def, state, now)) {
      fires.push(...plan.fires);
      skipped += plan.skips.length;
      state = plan.nextState;
      if (!plan.incomplete) break;
    }
    const newest = Array.from({ length: 10 }, (_, i) => ({ slot: now - (10 - i) * 1000, catchUp: true }));
    expect(fires).toEqual([...newest, { slot: now, catchUp: false }]);
    expect(skipped).toBe(missed - 10);
    expect(state).toMatchObject({ lastSlotAt: now, runs: 11, skipped: missed - 10 });
  });
});

describe('planTick: the wall clock goes backwards', () => {
  it('never fires a slot again', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_all', overlapPolicy: 'allow' });
    const at5 = tick(def, state, t('2025-06-15T05:00:05Z'));
    expect(at5.fires.map((f) => f.slot)).toEqual([2, 3, 4, 5].map((h) => t(`2025-06-15T0${h}:00:00Z`)));
    const back = t('2025-06-15T02:30:00Z'); // clock set back 2.5 hours
    expect(detectClockJump(t('2025-06-15T05:00:05Z'), 50_000, back, 51_000, 2000).direction).toBe('backward');
    let s = at5.nextState;
    for (const now of [back, t('2025-06-15T03:00:10Z'), t('2025-06-15T04:00:00Z'), t('2025-06-15T05:00:05Z')]) {
      const plan = tick(def, s, now);
      expect(plan.fires).toEqual([]);
      expect(plan.skippedSlots).toEqual([]);
      s = plan.nextState;
    }
    expect(s.nextFireAt).toBe(t('2025-06-15T06:00:00Z'));
    expect(tick(def, s, t('2025-06-15T06:00:01Z')).fires).toEqual([{ slot: t('2025-06-15T06:00:00Z'), catchUp: false }]);
  });

  it('also guards on lastFireAt alone', () => {
    const { def, state } = afterFirstRun();
    const plan = tick(def, { ...state, lastSlotAt: null }, t('2025-06-15T01:00:30Z'));
    expect(plan.fires).toEqual([]);
  });

  it('a small drift is not a jump', () => {
    expect(detectClockJump(1000, 0, 61_500, 60_000, 2000)).toEqual({ jumped: false, deltaMs: 500, direction: 'none' });
  });
});

describe('planTick: overlap policies', () => {
  const due = t('2025-06-15T02:00:10Z');

  it('allow fires while a run is still running', () => {
    const { def, state } = afterFirstRun({ overlapPolicy: 'allow' });
    expect(tick(def, state, due, 1, 3).fires).toHaveLength(1);
  });

  it('skip does not fire while a run is running or waiting, and counts the slot as skipped', () => {
    const { def, state } = afterFirstRun({ overlapPolicy: 'skip' });
    for (const [running, queued] of [[1, 0], [0, 1]] as const) {
      const plan = tick(def, state, due, running, queued);
      expect(plan.fires).toEqual([]);
      expect(plan.skips).toEqual([{ slot: t('2025-06-15T02:00:00Z'), reason: 'overlap' }]);
      expect(plan.nextState).toMatchObject({ nextFireAt: t('2025-06-15T03:00:00Z'), skipped: 1, runs: 1 });
    }
    expect(tick(def, state, due, 0, 0).fires).toHaveLength(1);
  });

  it('skip keeps only the newest of several catch-up runs', () => {
    const { def, state } = afterFirstRun({ overlapPolicy: 'skip', misfirePolicy: 'run_all' });
    const plan = tick(def, state, t('2025-06-15T04:30:00Z'));
    expect(plan.fires).toEqual([{ slot: t('2025-06-15T04:00:00Z'), catchUp: true }]);
    expect(plan.skips.map((s) => s.reason)).toEqual(['overlap', 'overlap']);
  });

  it('queue fires with one waiting run at most', () => {
    const { def, state } = afterFirstRun({ overlapPolicy: 'queue' });
    expect(tick(def, state, due, 1, 0).fires).toHaveLength(1);
    expect(tick(def, state, due, 1, 1).skips).toEqual([{ slot: t('2025-06-15T02:00:00Z'), reason: 'overlap' }]);
    const { def: all, state: s2 } = afterFirstRun({ overlapPolicy: 'queue', misfirePolicy: 'run_all' });
    const plan = tick(all, s2, t('2025-06-15T05:30:00Z'), 0, 0); // 4 missed: one runs, one waits
    expect(plan.fires.map((f) => f.slot)).toEqual([t('2025-06-15T04:00:00Z'), t('2025-06-15T05:00:00Z')]);
    expect(plan.skippedSlots).toEqual([t('2025-06-15T02:00:00Z'), t('2025-06-15T03:00:00Z')]);
  });
});

describe('planTick: ends, run-once, pause and update', () => {
  it('maxRuns ends the schedule', () => {
    const { def, state } = afterFirstRun({ maxRuns: 2, misfirePolicy: 'run_all', overlapPolicy: 'allow' });
    const plan = tick(def, state, t('2025-06-15T05:00:10Z'));
    expect(plan.fires).toEqual([{ slot: t('2025-06-15T02:00:00Z'), catchUp: true }]);
    expect(plan.nextState).toMatchObject({ nextFireAt: null, endedReason: 'max_runs', runs: 2 });
    expect(tick(def, plan.nextState, t('2025-06-16T00:00:00Z')).fires).toEqual([]);
  });

  it('endDate ends the schedule after its last slot', () => {
    const { def, state } = afterFirstRun({ endDate: '2025-06-15T02:00:00Z' });
    const plan = tick(def, state, t('2025-06-15T02:00:01Z'));
    expect(plan.fires).toHaveLength(1);
    expect(plan.nextState).toMatchObject({ nextFireAt: null, endedReason: 'end_date' });
  });

  it('run-once fires on time, or late by the misfire policy, then ends', () => {
    const at = t('2025-06-15T09:00:00Z');
    const onTime = schedule({ scheduledTime: at });
    const plan = tick(onTime, initialScheduleState(onTime, CREATED), at + 1000);
    expect(plan.fires).toEqual([{ slot: at, catchUp: false }]);
    expect(plan.nextState).toMatchObject({ nextFireAt: null, endedReason: 'once_done' });
    const late = t('2025-06-15T12:00:00Z');
    const skip = schedule({ scheduledTime: at, misfirePolicy: 'skip' });
    expect(tick(skip, initialScheduleState(skip, CREATED), late)).toMatchObject({ fires: [], skippedSlots: [at] });
    const once = schedule({ scheduledTime: at, misfirePolicy: 'run_once' });
    expect(tick(once, initialScheduleState(once, CREATED), late).fires).toEqual([{ slot: at, catchUp: true }]);
  });

  it('a paused schedule plans nothing; on resume the slots of the pause are not caught up', () => {
    const { def, state } = afterFirstRun({ misfirePolicy: 'run_all' });
    const paused = pausedScheduleState(state);
    expect(tick(def, paused, t('2025-06-15T05:00:00Z')).fires).toEqual([]);
    const resumed = resumedScheduleState(def, paused, t('2025-06-15T05:30:00Z'));
    expect(resumed).toMatchObject({ paused: false, nextFireAt: t('2025-06-15T06:00:00Z') });
    expect(tick(def, resumed, t('2025-06-15T05:30:00Z')).fires).toEqual([]);
  });

  it('an update re-anchors an interval and keeps the run count', () => {
    const { state } = afterFirstRun();
    const every10 = schedule({ intervalSeconds: 600 });
    const updated = updatedScheduleState(every10, state, t('2025-06-15T01:30:00Z'));
    expect(updated).toMatchObject({ runs: 1, anchorAt: t('2025-06-15T01:40:00Z'), nextFireAt: t('2025-06-15T01:40:00Z') });
  });
});
