/**
 * Which job types the engine can run, and where: built-in worker handlers (command, http,
 * module), engine handlers (cleanup, maintenance), and application types registered in the
 * settings file (`handlers: { "extraction": { "module": "/path/handler.mjs" } }`).
 */
import type { z } from 'zod';
import { AppError, validationError } from '../../../shared/errors';
import type { HandlerRegistration } from '../config';
import { CommandParamsSchema } from './command-handler';
import { CleanupParamsSchema, MaintenanceParamsSchema } from './engine-handlers';
import { HttpParamsSchema } from './http-handler';
import { ModuleParamsSchema } from './module-handler';

/** Parameter schemas of the built-in types: their jobs are checked at submit, not when they run. */
const BUILTIN_PARAMS: Record<string, z.ZodType> = {
  command: CommandParamsSchema,
  http: HttpParamsSchema,
  module: ModuleParamsSchema,
  cleanup: CleanupParamsSchema,
  maintenance: MaintenanceParamsSchema,
};

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

  /**
   * Check a built-in type's parameters (application types validate their own, when they run).
   * Throws VALIDATION naming the field, e.g. `invalid job: parameters.argv: …`.
   */
  validateParameters(type: string, parameters: unknown, subject = 'job'): void {
    const schema = Object.hasOwn(this.registrations, type) ? undefined : BUILTIN_PARAMS[type];
    if (!schema) return;
    const result = schema.safeParse(parameters);
    if (!result.success) {
      const issues = result.error.issues.map((issue) => ({ ...issue, path: ['parameters', ...issue.path] }));
      throw validationError({ issues } as unknown as z.ZodError, subject);
    }
  }

  /** Registrations the worker processes load. */
  workerRegistrations(): Record<string, HandlerRegistration> {
    return { ...this.registrations };
  }
}
