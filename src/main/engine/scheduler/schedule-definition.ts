/**
 * What a schedule is: a job template, one trigger (cron, interval or run-once), a zone, bounds,
 * and the misfire and overlap policies; plus the state it carries from one tick to the next.
 *
 * Inputs accept ISO-8601 strings or epoch milliseconds; parsed definitions hold epoch ms only.
 * The default zone is the machine's, resolved when a definition is parsed (at creation) and
 * stored, so a schedule keeps its zone when the machine moves.
 */
import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { parseOrThrow } from '../../../shared/errors';
import {
  JobSubmissionSchema,
  MISFIRE_POLICIES,
  OVERLAP_POLICIES,
  TimestampSchema,
  toEpochMs,
} from '../../../shared/model';
import { canonicalZone, machineZone } from './zone-clock';

const CRON_FIELDS_5 = ['minute', 'hour', 'dayOfMonth', 'month', 'dayOfWeek'] as const;
const CRON_FIELDS_6 = ['second', ...CRON_FIELDS_5] as const;
const CRON_ALIASES = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@hourly', '@weekdays', '@weekends'];

function tryParseCron(expression: string): string | null {
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC', currentDate: 0 });
    return null;
  } catch (err) {
    return (err instanceof Error ? err.message : String(err))
      .replace(/^Constraint error, got value (\S+) expected range (\S+)$/, '$1 is outside $2')
      .replace(/^(Constraint|Validation) error, /, '');
  }
}

/**
 * Why a cron expression is invalid, naming the field (`hour field "25": 25 is outside
 * 0-23`), or null when it is valid. Accepts 5 fields (minute first), 6 fields (second
 * first) or an alias such as `@daily`.
 */
export function explainCronError(expression: string): string | null {
  const text = expression.trim();
  if (text.startsWith('@')) {
    return CRON_ALIASES.includes(text.toLowerCase()) ? null : `unknown alias "${text}"; expected one of ${CRON_ALIASES.join(', ')}`;
  }
  const fields = text.split(/\s+/).filter(Boolean);
  if (fields.length !== 5 && fields.length !== 6) {
    return `expected 5 fields (minute hour day-of-month month day-of-week) or 6 (second first), got ${fields.length}`;
  }
  const problem = tryParseCron(text);
  if (problem === null) return null;
  const names = fields.length === 5 ? CRON_FIELDS_5 : CRON_FIELDS_6;
  for (let i = 0; i < fields.length; i++) {
    const alone = fields.map((value, j) => (j === i ? value : '*')).join(' ');
    const fieldProblem = tryParseCron(alone);
    if (fieldProblem !== null) return `${names[i]} field "${fields[i]}": ${fieldProblem}`;
  }
  return `dayOfMonth "${fields.at(-3)}" and month "${fields.at(-2)}" never meet: ${problem}`;
}

const EpochSchema = TimestampSchema.transform((value) => toEpochMs(value));

const CronExpressionSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .superRefine((value, ctx) => {
    const problem = explainCronError(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const TimezoneSchema = z
  .string()
  .min(1)
  .max(64)
  .transform((value, ctx) => {
    const zone = canonicalZone(value);
    if (zone === null) {
      ctx.addIssue({ code: 'custom', message: `unknown time zone "${value}"; expected an IANA name such as Europe/London` });
      return z.NEVER;
    }
    return zone;
  });

const job = JobSubmissionSchema.shape;

/** Every field of a schedule, without defaults or cross-field rules (shared by create and update). */
const scheduleFields = {
  name: z.string().trim().min(1).max(100).optional(),
  type: job.type,
  parameters: job.parameters.unwrap().optional(),
  queue: job.queue,
  priority: job.priority,
  timeoutSeconds: job.timeoutSeconds,
  maxRetries: job.maxRetries,
  retryDelaySeconds: job.retryDelaySeconds,
  limits: job.limits,
  cronExpression: CronExpressionSchema.optional(),
  intervalSeconds: z.number().int('expected whole seconds').min(1).max(366 * 86400).optional(),
  scheduledTime: EpochSchema.optional(),
  timezone: TimezoneSchema.optional(),
  startDate: EpochSchema.optional(),
  endDate: EpochSchema.optional(),
  maxRuns: z.number().int().positive().optional(),
  misfirePolicy: z.enum(MISFIRE_POLICIES).optional(),
  misfireThresholdSeconds: z.number().finite().min(0).max(7 * 86400).optional(),
  maxCatchUp: z.number().int().min(1).max(1000).optional(),
  overlapPolicy: z.enum(OVERLAP_POLICIES).optional(),
};

/** The three triggers; a schedule has exactly one. */
export const TRIGGER_FIELDS = ['cronExpression', 'intervalSeconds', 'scheduledTime'] as const;

function checkTriggerAndBounds(
  value: { cronExpression?: unknown; intervalSeconds?: unknown; scheduledTime?: unknown; startDate?: number; endDate?: number },
  ctx: z.RefinementCtx,
): void {
  const given = TRIGGER_FIELDS.filter((field) => value[field] !== undefined);
  if (given.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: given.length > 1 ? [given[1] as string] : [],
      message:
        given.length === 0
          ? 'expected exactly one trigger: cronExpression, intervalSeconds or scheduledTime'
          : `expected exactly one trigger, got ${given.join(' and ')}`,
    });
  }
  if (value.startDate !== undefined && value.endDate !== undefined && value.endDate < value.startDate) {
    ctx.addIssue({ code: 'custom', path: ['endDate'], message: 'must not be before startDate' });
  }
}

/**
 * A schedule as created: the job template, exactly one trigger, zone and bounds, policies.
 * Defaults: timezone = the machine's zone (resolved now), misfirePolicy `run_once`,
 * misfireThresholdSeconds 60, maxCatchUp 10, overlapPolicy `skip`, parameters `{}`.
 */
export const ScheduleDefinitionSchema = z
  .strictObject({
    ...scheduleFields,
    parameters: job.parameters,
    timezone: TimezoneSchema.default(() => machineZone()),
    misfirePolicy: z.enum(MISFIRE_POLICIES).default('run_once'),
    misfireThresholdSeconds: z.number().finite().min(0).max(7 * 86400).default(60),
    maxCatchUp: z.number().int().min(1).max(1000).default(10),
    overlapPolicy: z.enum(OVERLAP_POLICIES).default('skip'),
  })
  .superRefine(checkTriggerAndBounds);

/** What a caller sends to create a schedule. */
export type ScheduleDefinitionInput = z.input<typeof ScheduleDefinitionSchema>;
/** A parsed, stored schedule definition (times in epoch ms, zone canonical). */
export type ScheduleDefinition = z.output<typeof ScheduleDefinitionSchema>;

/**
 * A partial change to a schedule. Giving a trigger replaces the current one; `null` clears an
 * optional field (`endDate: null` removes the end date).
 */
export const ScheduleUpdateSchema = z.strictObject(
  Object.fromEntries(Object.entries(scheduleFields).map(([key, schema]) => [key, schema.nullable().optional()])) as {
    [K in keyof typeof scheduleFields]: z.ZodOptional<z.ZodNullable<(typeof scheduleFields)[K]>>;
  },
);
/** What a caller sends to update a schedule. */
export type ScheduleUpdateInput = z.input<typeof ScheduleUpdateSchema>;

/** Parse a creation request or throw a VALIDATION AppError that names each bad field. */
export function parseScheduleDefinition(input: unknown): ScheduleDefinition {
  return parseOrThrow(ScheduleDefinitionSchema, input, 'schedule');
}

/**
 * The definition after applying `patch` to `current`; the result is validated as a whole.
 * Errors: VALIDATION AppError (bad field, two triggers, end before start).
 */
export function applyScheduleUpdate(current: ScheduleDefinition, patch: unknown): ScheduleDefinition {
  const changes = parseOrThrow(ScheduleUpdateSchema, patch, 'schedule update');
  const merged: Record<string, unknown> = { ...current };
  if (TRIGGER_FIELDS.some((field) => changes[field] !== undefined && changes[field] !== null)) {
    for (const field of TRIGGER_FIELDS) delete merged[field];
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === null) delete merged[key];
    else if (value !== undefined) merged[key] = value;
  }
  return parseScheduleDefinition(merged);
}

/** The kind of trigger a definition has. */
export function triggerKind(def: ScheduleDefinition): 'cron' | 'interval' | 'once' {
  if (def.cronExpression !== undefined) return 'cron';
  if (def.intervalSeconds !== undefined) return 'interval';
  return 'once';
}

/** Why a schedule stopped for good. */
export const END_REASONS = ['max_runs', 'end_date', 'once_done'] as const;

/**
 * What a schedule carries between ticks (stored next to its definition).
 * - nextFireAt: the next slot (epoch ms) to plan; null once the schedule has ended
 * - lastFireAt: the slot of the latest run it created (a catch-up run reports its slot)
 * - lastSlotAt: the latest slot already planned, fired or skipped; the planner never looks at
 *   a slot at or before it again, which makes ticks idempotent and backward clock jumps harmless
 * - runs: runs created so far (counted against maxRuns); skipped: slots skipped so far
 * - anchorAt: the first slot of an interval schedule (startDate, or creation + interval);
 *   slots are anchorAt + k·interval, so they never drift
 * - endedReason: set when the schedule has ended
 */
export const ScheduleStateSchema = z.object({
  nextFireAt: z.number().nullable(),
  lastFireAt: z.number().nullable(),
  lastSlotAt: z.number().nullable(),
  runs: z.number().int().min(0),
  skipped: z.number().int().min(0),
  paused: z.boolean(),
  anchorAt: z.number(),
  endedReason: z.enum(END_REASONS).nullable(),
});
/** See ScheduleStateSchema. */
export type ScheduleState = z.infer<typeof ScheduleStateSchema>;
