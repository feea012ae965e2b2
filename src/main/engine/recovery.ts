/**
 * Crash recovery: jobs left `running` by an engine that is gone are retried (the attempt counts)
 * or failed when their retries are used up, with the error class `engine_crash`.
 *
 * An engine is gone when it is on this host and its pid is dead, or when its heartbeat is older
 * than `staleAfterMs` (another host, or a hung process).
 */
import type { JobOutcome, QueueBackend } from './backend/queue-backend';
import { outcomeForFailure } from './retry/retry-policy';

export interface RecoveryInput {
  backend: QueueBackend;
  selfId: string;
  now: number;
  host: string;
  staleAfterMs: number;
  maxRetryDelaySeconds: number;
}

/** Is a process with this pid alive on this host? */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Recover the orphans; returns how many jobs were recovered. */
export async function recoverOrphanedJobs(input: RecoveryInput): Promise<number> {
  const { backend, now } = input;
  const engines = await backend.listEngines();
  const live: string[] = [];
  const dead: string[] = [];
  for (const e of engines) {
    const alive =
      e.id === input.selfId ||
      (e.hostname === input.host ? pidAlive(e.pid) && now - e.heartbeatAt < input.staleAfterMs * 10 : now - e.heartbeatAt < input.staleAfterMs);
    (alive ? live : dead).push(e.id);
  }
  const orphans = await backend.orphanedRunningJobs(live);
  if (orphans.length) {
    const outcomes: JobOutcome[] = orphans.map((job) =>
      outcomeForFailure({
        job,
        error: { class: 'engine_crash', message: 'the engine running this job stopped before the job finished' },
        at: now,
        worker: null,
        metrics: {},
        maxRetryDelaySeconds: input.maxRetryDelaySeconds,
      }),
    );
    // Recovered jobs retry now rather than after a backoff: the failure was not theirs.
    for (const o of outcomes) if (o.kind === 'retrying') o.runAt = now;
    await backend.write({ outcomes });
  }
  for (const id of dead) await backend.unregisterEngine(id);
  return orphans.length;
}
