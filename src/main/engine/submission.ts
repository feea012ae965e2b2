/**
 * From a caller's submission to the row a backend inserts: validation (zod, then the handler
 * registry), defaults from the Config, run-at and status.
 */
import { AppError, parseOrThrow } from '../../shared/errors';
import {
  DEFAULT_QUEUE,
  JobSubmissionSchema,
  MAX_PARAMETERS_BYTES,
  PRIORITY_RANK,
  toEpochMs,
  type JobSubmission,
  type ParsedJobSubmission,
} from '../../shared/model';
import type { NewJob } from './backend/queue-backend';
import type { Config } from './config';
import type { HandlerRegistry } from './handlers/registry';
import { newId } from './ids';

/** Oversized parameters are PAYLOAD_TOO_LARGE (checked before the schema, which would say VALIDATION). */
function assertParametersSize(input: unknown, subject: string): void {
  const params = input && typeof input === 'object' ? (input as { parameters?: unknown }).parameters : undefined;
  if (!params || typeof params !== 'object') return;
  let size: number;
  try {
    size = JSON.stringify(params)?.length ?? 0;
  } catch {
    return; // not JSON: the schema says so
  }
  if (size > MAX_PARAMETERS_BYTES) {
    throw new AppError(
      'PAYLOAD_TOO_LARGE',
      `invalid ${subject}: parameters: ${size} bytes as JSON; at most ${MAX_PARAMETERS_BYTES} bytes are accepted`,
    );
  }
}

/** Validate one submission; `subject` names it in errors (e.g. `jobs[3]`). */
export function parseSubmission(input: unknown, registry: HandlerRegistry, subject = 'job'): ParsedJobSubmission {
  assertParametersSize(input, subject);
  const parsed = parseOrThrow(JobSubmissionSchema, input, subject);
  registry.assertKnown(parsed.type, subject === 'job' ? 'type' : `${subject}.type`);
  registry.validateParameters(parsed.type, parsed.parameters, subject);
  const s = parsed.schedule;
  if (s?.scheduledTime !== undefined && parsed.runAt !== undefined) {
    throw new AppError('VALIDATION', `invalid ${subject}: give either runAt or schedule.scheduledTime, not both`);
  }
  const seen = new Set<string>();
  parsed.dependencies?.forEach((d, i) => {
    if (seen.has(d.jobId)) throw new AppError('VALIDATION', `invalid ${subject}: dependencies[${i}].jobId: ${d.jobId} is listed twice`);
    seen.add(d.jobId);
  });
  if (isRecurring(parsed) && parsed.dependencies?.length) {
    throw new AppError('VALIDATION', `invalid ${subject}: a recurring schedule cannot have dependencies`);
  }
  return parsed;
}

/**
 * A submission whose schedule recurs (cron or interval): the manager creates a schedule for it
 * (see JobManager.submitJobs) instead of one job.
 */
export function isRecurring(parsed: ParsedJobSubmission): boolean {
  const s = parsed.schedule;
  return s !== undefined && (s.cronExpression !== undefined || s.intervalSeconds !== undefined);
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
