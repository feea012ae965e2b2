/**
 * Bulk delete and bulk priority change over the QueueBackend's optional bulk operations, as the
 * contract's BulkResult: what was done, and per id why not (NOT_FOUND, CONFLICT naming the status).
 */
import type { BulkResult } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import { JOB_PRIORITIES, type JobPriority } from '../../shared/model';
import type { BulkOpOutcome, QueueBackend } from '../engine/backend/queue-backend';

function toBulkResult(outcomes: BulkOpOutcome[]): BulkResult {
  const result: BulkResult = { done: [], failed: [] };
  for (const o of outcomes) {
    if (o.ok) result.done.push(o.id);
    else result.failed.push({ id: o.id, error: new AppError(o.code, o.message).toWire() });
  }
  return result;
}

function unsupported(ids: readonly string[], backend: QueueBackend, what: string): BulkResult {
  const error = new AppError('CONFLICT', `the ${backend.kind} backend cannot ${what} yet`).toWire();
  return { done: [], failed: [...new Set(ids)].map((id) => ({ id, error })) };
}

/**
 * Delete finished jobs (completed/failed/cancelled) with their logs, attempts and dependency edges.
 * Output: BulkResult; unfinished jobs fail with CONFLICT, unknown ids with NOT_FOUND. Errors: a
 * storage error (BACKEND_UNAVAILABLE, STORAGE_FULL).
 */
export async function bulkDeleteJobs(backend: QueueBackend, ids: readonly string[]): Promise<BulkResult> {
  if (!backend.deleteJobs) return unsupported(ids, backend, 'delete jobs');
  return toBulkResult(await backend.deleteJobs([...new Set(ids)]));
}

/**
 * Change the priority of waiting jobs; their claim order follows at once. Output: BulkResult;
 * running or finished jobs fail with CONFLICT. Errors: a storage error.
 */
export async function bulkSetPriority(backend: QueueBackend, ids: readonly string[], priority: JobPriority, now: number): Promise<BulkResult> {
  if (!backend.setPriority) return unsupported(ids, backend, 'change priorities');
  return toBulkResult(await backend.setPriority([...new Set(ids)], JOB_PRIORITIES.indexOf(priority), now));
}
