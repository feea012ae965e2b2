/**
 * From a caller's submission to the row a backend inserts: validation (zod, then the handler
 * registry), defaults from the Config, run-at and status.
 */
import { AppError, parseOrThrow } from '../../shared/errors';
import {
  DEFAULT_QUEUE,
  JobSubmissionSchema,
  PRIORITY_RANK,
  toEpochMs,
  type JobSubmission,
  type ParsedJobSubmission,
} from '../../shared/model';
import type { NewJob } from './backend/queue-backend';
import type { Config } from './config';
import type { HandlerRegistry } from './handlers/registry';
import { newId } from './ids';

/** Validate one submission; `subject` names it in errors (e.g. `jobs[3]`). */
export function parseSubmission(input: unknown, registry: HandlerRegistry, subject = 'job'): ParsedJobSubmission {
  const parsed = parseOrThrow(JobSubmissionSchema, input, subject);
  registry.assertKnown(parsed.type, subject === 'job' ? 'type' : `${subject}.type`);
  const s = parsed.schedule;
  if (s && (s.cronExpression !== undefined || s.intervalSeconds !== undefined)) {
    throw new AppError(
      'VALIDATION',
      `invalid ${subject}: schedule: a recurring schedule (cron or interval) is created as a schedule, not as one job`,
    );
  }
  if (s?.scheduledTime !== undefined && parsed.runAt !== undefined) {
    throw new AppError('VALIDATION', `invalid ${subject}: give either runAt or schedule.scheduledTime, not both`);
  }
  if (parsed.dependencies?.length) {
    throw new AppError('VALIDATION', `invalid ${subject}: dependencies: not supported by this engine version yet`);
  }
  return parsed;
}

/** The NewJob for a parsed submission, defaults filled from `config`. */
export function toNewJob(s: ParsedJobSubmission, config: Config, now: number): NewJob {
  const runAtInput = s.runAt ?? s.schedule?.scheduledTime;
  const runAt = runAtInput === undefined ? now : toEpochMs(runAtInput);
  return {
    id: newId(now),
    type: s.type,
    queue: s.queue ?? DEFAULT_QUEUE,
    parameters: s.parameters,
    priority: PRIORITY_RANK[s.priority ?? 'NORMAL'],
    status: runAt > now ? 'scheduled' : 'pending',
    runAt,
    maxRetries: s.maxRetries ?? s.schedule?.maxRetries ?? config.jobs.maxRetries,
    retryDelaySeconds: s.retryDelaySeconds ?? config.jobs.retryDelaySeconds,
    timeoutSeconds: s.timeoutSeconds ?? s.schedule?.timeoutSeconds ?? config.jobs.defaultTimeoutSeconds,
    limits: {
      maxCpuPercent: config.limits.maxCpuPercent,
      maxMemoryMb: config.limits.maxMemoryMb,
      maxApiCallsPerMinute: config.limits.maxApiCallsPerMinute,
      ...s.limits,
    },
    dependencies: s.dependencies ?? [],
    scheduleId: null,
    createdAt: now,
  };
}

export type { JobSubmission };
