/**
 * One error type for every edge. An AppError carries a stable `code` that transports keep
 * (IPC envelope, HTTP body, CLI exit status) and a message written for the person reading it.
 */
import type { z } from 'zod';

export const ERROR_CODES = [
  'VALIDATION', // input failed its schema; message names the field
  'NOT_FOUND', // no such job / schedule / queue
  'CONFLICT', // the object is not in a state that allows the action
  'UNKNOWN_JOB_TYPE', // no handler is registered for the type
  'PAYLOAD_TOO_LARGE',
  'BACKEND_UNAVAILABLE', // the store cannot be reached or written
  'STORAGE_FULL', // the disk under the store is full
  'TIMEOUT',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'CONFIG', // a setting or environment variable is invalid
  'SHUTTING_DOWN',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface WireError {
  name: 'AppError';
  code: ErrorCode;
  message: string;
  details?: unknown;
}

export class AppError extends Error {
  override readonly name = 'AppError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The plain object that crosses a transport. Never includes a stack. */
  toWire(): WireError {
    return this.details === undefined
      ? { name: 'AppError', code: this.code, message: this.message }
      : { name: 'AppError', code: this.code, message: this.message, details: this.details };
  }

  static fromWire(wire: unknown): AppError {
    if (wire && typeof wire === 'object' && 'code' in wire && 'message' in wire) {
      const w = wire as Partial<WireError>;
      const code = (ERROR_CODES as readonly string[]).includes(String(w.code)) ? (w.code as ErrorCode) : 'INTERNAL';
      return new AppError(code, String(w.message), w.details);
    }
    return new AppError('INTERNAL', 'malformed error from the other side of a transport');
  }
}

/** Any thrown value as an AppError; unexpected errors become INTERNAL without their stack. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof Error) return new AppError('INTERNAL', err.message);
  return new AppError('INTERNAL', String(err));
}

/** `parameters.argv[0]: expected string` — a zod issue path as the user wrote the field. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** A zod failure as a VALIDATION AppError that names each field and its problem. */
export function validationError(error: z.ZodError, subject = 'input'): AppError {
  const issues = error.issues.map((issue) => {
    const field = formatIssuePath(issue.path);
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      message = `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    return { field: field || subject, message };
  });
  const text = issues.map((i) => `${i.field}: ${i.message}`).join('; ');
  return new AppError('VALIDATION', `invalid ${subject}: ${text}`, { issues });
}

/** Parse with a schema or throw a VALIDATION AppError naming the fields. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, subject?: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, subject);
  return result.data;
}
