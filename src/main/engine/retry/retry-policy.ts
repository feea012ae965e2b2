/**
 * Retries: which error classes are retried, and the exponential backoff with jitter.
 *
 * delay(n) = min(max, base × 2^(n−1)), then "equal jitter": half of it fixed, half random, so that
 * jobs failing together do not retry together. n is the retry number (1 for the first retry).
 */
import type { ErrorClass, JobError, JobMetrics, ResourceLimits } from '../../../shared/model';
import type { ClaimedJob, JobOutcome } from '../backend/queue-backend';

/** Backoff delay in ms before retry number `retry` (1-based). */
export function backoffDelayMs(
  retry: number,
  baseSeconds: number,
  maxSeconds: number,
  random: () => number = Math.random,
): number {
  const full = Math.min(maxSeconds, baseSeconds * 2 ** Math.max(0, retry - 1)) * 1000;
  return Math.round(full / 2 + random() * (full / 2));
}

/** Whether an error of this class may be retried at all. */
export function isRetryable(errorClass: ErrorClass, limits: ResourceLimits): boolean {
  switch (errorClass) {
    case 'permanent':
    case 'cancelled':
      return false;
    case 'resource_limit':
      return limits.retryOnLimit === true;
    default:
      return true;
  }
}

export interface RetryDecisionInput {
  job: Pick<ClaimedJob, 'id' | 'attempt' | 'attemptsSinceRestart' | 'maxRetries' | 'retryDelaySeconds' | 'limits'>;
  error: JobError;
  at: number;
  worker: string | null;
  metrics: JobMetrics;
  maxRetryDelaySeconds: number;
  random?: () => number;
}

/** The outcome of a failed run: retrying (with its run-at), cancelled, or failed for good. */
export function outcomeForFailure(input: RetryDecisionInput): JobOutcome {
  const { job, error, at, worker, metrics } = input;
  const base = { id: job.id, attempt: job.attempt, at, worker, error, metrics };
  if (error.class === 'cancelled') return { kind: 'cancelled', ...base };
  const retriesUsed = job.attemptsSinceRestart - 1;
  if (isRetryable(error.class, job.limits) && retriesUsed < job.maxRetries) {
    const delay = backoffDelayMs(retriesUsed + 1, job.retryDelaySeconds, input.maxRetryDelaySeconds, input.random);
    return { kind: 'retrying', ...base, runAt: at + delay };
  }
  return { kind: 'failed', ...base };
}
