/** A NewJob row for backend-level tests: a pending no-op job created at `createdAt`, fields overridable. */
import type { NewJob } from '../../src/main/engine/backend/queue-backend';
import { newId } from '../../src/main/engine/ids';

export function newJob(createdAt: number, over: Partial<NewJob> = {}): NewJob {
  return {
    id: newId(createdAt),
    type: 'noop',
    queue: 'default',
    parameters: {},
    priority: 1,
    status: 'pending',
    runAt: createdAt,
    maxRetries: 2,
    retryDelaySeconds: 1,
    timeoutSeconds: 60,
    limits: {},
    dependencies: [],
    scheduleId: null,
    createdAt,
    ...over,
  };
}
