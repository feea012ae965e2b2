/**
 * The proof after a scenario: every accepted job reached exactly one terminal state, and each
 * execution is in the ledger. Lost = an accepted job the store does not hold, or holds as
 * completed with no ledger line (it never ran). Stuck = not terminal when the scenario ended.
 * Duplicates = jobs whose ledger has more than one line, with the cause the store recorded for
 * the earlier attempts (worker_crash, engine_crash, …).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { JobManager } from '../src/main/engine/manager';
import { isTerminalStatus } from '../src/shared/model';

/** Executions per job id, from a ledger file of `id attempt pid` lines. */
export function readLedger(file: string): Map<string, number> {
  const counts = new Map<string, number>();
  if (!existsSync(file)) return counts;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const id = line.split(' ')[0];
    if (id) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

export interface Verdict {
  jobs: number;
  lost: string[];
  stuck: string[];
  /** Jobs executed more than once. */
  duplicates: number;
  /** Cause → count of the attempts behind the duplicates (error class of the earlier attempts). */
  causes: Record<string, number>;
  /** Jobs that ended failed/cancelled (not an error of the harness, but reported). */
  failed: number;
}

/**
 * Check `accepted` job ids against the store (through `client`) and the ledger file.
 * Output: the verdict. Errors: the store's (BACKEND_UNAVAILABLE…).
 */
export async function verifyJobs(client: JobManager, accepted: readonly string[], ledgerFile: string): Promise<Verdict> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await verifyOnce(client, accepted, ledgerFile);
    } catch (err) {
      if (attempt >= 20) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

async function verifyOnce(client: JobManager, accepted: readonly string[], ledgerFile: string): Promise<Verdict> {
  const ledger = readLedger(ledgerFile);
  const verdict: Verdict = { jobs: accepted.length, lost: [], stuck: [], duplicates: 0, causes: {}, failed: 0 };
  for (const id of accepted) {
    const job = await client.getJob(id);
    if (!job) {
      verdict.lost.push(id);
      continue;
    }
    if (!isTerminalStatus(job.status)) {
      verdict.stuck.push(id);
      continue;
    }
    const runs = ledger.get(id) ?? 0;
    if (job.status === 'completed' && runs === 0) verdict.lost.push(id);
    if (job.status !== 'completed') verdict.failed++;
    if (runs > 1) {
      verdict.duplicates++;
      for (const a of await client.getJobAttempts(id)) {
        if (a.outcome === 'completed') continue;
        const cause = a.error?.class ?? a.outcome;
        verdict.causes[cause] = (verdict.causes[cause] ?? 0) + 1;
      }
    }
  }
  return verdict;
}

/** Poll until every accepted job is terminal or `timeoutMs` passed. Output: whether all are. */
export async function waitAllTerminal(client: JobManager, accepted: readonly string[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let remaining = [...accepted];
  for (;;) {
    const next: string[] = [];
    try {
      for (const id of remaining) {
        const job = await client.getJob(id);
        if (!job || !isTerminalStatus(job.status)) next.push(id);
      }
      remaining = next;
    } catch {
      // The store is coming back (Redis restart, failover): the harness's own reads retry.
    }
    if (remaining.length === 0) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 200));
  }
}
