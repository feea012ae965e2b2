/**
 * Which job types the engine can run, and where: built-in worker handlers (command, http,
 * module), engine handlers (cleanup, maintenance), and application types registered in the
 * settings file (`handlers: { "extraction": { "module": "/path/handler.mjs" } }`).
 */
import { AppError } from '../../../shared/errors';
import type { HandlerRegistration } from '../config';

/** Types every worker process can run without configuration. */
export const BUILTIN_WORKER_TYPES = ['command', 'http', 'module'] as const;
/** Types the engine runs itself. */
export const ENGINE_TYPES = ['cleanup', 'maintenance'] as const;

export class HandlerRegistry {
  constructor(private readonly registrations: Record<string, HandlerRegistration>) {}

  /** Every type a submission may name, sorted. */
  types(): string[] {
    return [...new Set([...BUILTIN_WORKER_TYPES, ...ENGINE_TYPES, ...Object.keys(this.registrations)])].sort();
  }

  has(type: string): boolean {
    return (
      (BUILTIN_WORKER_TYPES as readonly string[]).includes(type) ||
      (ENGINE_TYPES as readonly string[]).includes(type) ||
      Object.hasOwn(this.registrations, type)
    );
  }

  /** Throws UNKNOWN_JOB_TYPE naming the known types when `type` has no handler. */
  assertKnown(type: string, field = 'type'): void {
    if (this.has(type)) return;
    throw new AppError(
      'UNKNOWN_JOB_TYPE',
      `${field}: no handler is registered for job type "${type}"; known types: ${this.types().join(', ')}. ` +
        'Register a module for it under "handlers" in the settings file.',
    );
  }

  /** Registrations the worker processes load. */
  workerRegistrations(): Record<string, HandlerRegistration> {
    return { ...this.registrations };
  }
}
