/** The job a schedule's run creates: its template validated like a submission, linked to the schedule. */
import type { JobSubmission } from '../../../shared/model';
import type { NewJob } from '../backend/queue-backend';
import type { Config } from '../config';
import type { HandlerRegistry } from '../handlers/registry';
import { parseSubmission, toNewJob } from '../submission';
import type { ScheduleDefinition } from './schedule-definition';

/**
 * The NewJob for one run of `def` created at `now` (runnable now), linked by `scheduleId`.
 * Errors: VALIDATION / UNKNOWN_JOB_TYPE when the template is not a valid job.
 */
export function scheduledJob(def: ScheduleDefinition, scheduleId: string, now: number, registry: HandlerRegistry, config: Config): NewJob {
  const submission: JobSubmission = {
    type: def.type,
    parameters: def.parameters,
    ...(def.queue !== undefined ? { queue: def.queue } : {}),
    ...(def.priority !== undefined ? { priority: def.priority } : {}),
    ...(def.timeoutSeconds !== undefined ? { timeoutSeconds: def.timeoutSeconds } : {}),
    ...(def.maxRetries !== undefined ? { maxRetries: def.maxRetries } : {}),
    ...(def.retryDelaySeconds !== undefined ? { retryDelaySeconds: def.retryDelaySeconds } : {}),
    ...(def.limits !== undefined ? { limits: def.limits } : {}),
  };
  return { ...toNewJob(parseSubmission(submission, registry, 'schedule job'), config, now), scheduleId };
}
