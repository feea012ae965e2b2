/**
 * The scheduler's pure core: schedule definitions, fire times (cron in a zone, intervals, run
 * once) with the DST policy, misfire and overlap policies, tick planning, clock-jump detection,
 * and the ScheduleStore port the backends implement. No timers, no I/O: time is passed in.
 */
export {
  ScheduleDefinitionSchema,
  ScheduleUpdateSchema,
  ScheduleStateSchema,
  TRIGGER_FIELDS,
  END_REASONS,
  explainCronError,
  parseScheduleDefinition,
  applyScheduleUpdate,
  triggerKind,
  type ScheduleDefinition,
  type ScheduleDefinitionInput,
  type ScheduleUpdateInput,
  type ScheduleState,
} from './schedule-definition';
export { nextFireTimes, preview, slotsAfter, remainingRuns, type FirePreview, type FireProgress } from './fire-times';
export {
  applyMisfirePolicy,
  splitDueSlots,
  detectClockJump,
  type ClockJump,
  type MisfirePolicy,
  type PlannedFire,
  type SkippedSlot,
  type SkipReason,
} from './misfire';
export {
  planTick,
  applyOverlapPolicy,
  initialScheduleState,
  updatedScheduleState,
  pausedScheduleState,
  resumedScheduleState,
  MAX_SLOTS_PER_TICK,
  type OverlapPolicy,
  type TickInput,
  type TickPlan,
} from './schedule-planner';
export { canonicalZone, machineZone, createZoneClock, localIso, type ZoneClock } from './zone-clock';
export type {
  ScheduleStore,
  ScheduleRecord,
  ScheduleListQuery,
  SchedulePage,
  ScheduleFire,
  TickCommit,
  InProgressCounts,
} from './schedule-store';
