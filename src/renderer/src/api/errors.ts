/**
 * Engine errors in plain words. Every failure a screen shows goes through `describeError`, so a
 * user reads what went wrong and its code ("Job not found (NOT_FOUND)"), never a stack.
 */
import { AppError, toAppError, type ErrorCode } from '../../../shared/errors';

const PLAIN: Record<ErrorCode, string> = {
  VALIDATION: 'The input is not valid',
  NOT_FOUND: 'Not found',
  CONFLICT: 'Not possible in the current state',
  UNKNOWN_JOB_TYPE: 'No handler is registered for this job type',
  PAYLOAD_TOO_LARGE: 'The input is too large',
  BACKEND_UNAVAILABLE: 'The job store cannot be reached',
  STORAGE_FULL: 'The disk under the job store is full',
  TIMEOUT: 'The engine did not answer in time',
  UNAUTHORIZED: 'Not signed in: open the dashboard with the link printed by `jobhandle serve` (or `jobhandle token`)',
  FORBIDDEN: 'Not allowed',
  CONFIG: 'A setting is invalid',
  SHUTTING_DOWN: 'The engine is shutting down',
  INTERNAL: 'Something went wrong inside the engine',
};

/** A displayable error: a headline in plain words, the engine's message, and the code. */
export interface DisplayError {
  code: ErrorCode;
  title: string;
  message: string;
}

/**
 * Any thrown value as a DisplayError. Input: whatever a client call rejected with. Output: the
 * code, a plain headline for it and the engine's own message. Never throws.
 */
export function toDisplayError(err: unknown): DisplayError {
  // A WireError (a bulk result's per-job error) is a plain object with a code: rebuild it.
  const wire = err !== null && typeof err === 'object' && !(err instanceof Error) && 'code' in err && 'message' in err;
  const app = err instanceof AppError ? err : wire ? AppError.fromWire(err) : toAppError(err);
  return { code: app.code, title: PLAIN[app.code] ?? PLAIN.INTERNAL, message: app.message };
}

/** One line for a toast or an inline error: `Not found: no job "x" (NOT_FOUND)`. */
export function describeError(err: unknown): string {
  const d = toDisplayError(err);
  const detail = d.message && d.message !== d.title ? `: ${d.message}` : '';
  return `${d.title}${detail} (${d.code})`;
}
