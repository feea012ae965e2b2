/**
 * The built-in handlers that run inside a worker process, by job type. The worker looks a
 * job's type up here first, then among the application's registered handler modules
 * (loaded with loadHandlerModule), and bounds every result with toJsonResult.
 */
import { commandHandler } from './command-handler';
import type { JobHandler } from './handler-types';
import { httpHandler } from './http-handler';
import { moduleHandler } from './module-handler';

/** Built-in worker handlers: `command`, `http`, `module`. Frozen: not a registry to mutate. */
export const BUILTIN_WORKER_HANDLERS: Readonly<Record<string, JobHandler>> = Object.freeze({
  command: commandHandler,
  http: httpHandler,
  module: moduleHandler,
});

export { commandHandler, httpHandler, moduleHandler };
export { loadHandlerModule } from './module-handler';
export { toJsonResult, parseHandlerParams, MAX_RESULT_BYTES } from './result-guard';
