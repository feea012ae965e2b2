/**
 * The dependency rules on the SQLite store (DependencyStore plus the synchronous steps that
 * SqliteBackend runs inside its own transactions: insert, outcome, cancel, restart). Every step
 * here runs inside the caller's transaction, so a prerequisite's outcome and its dependents'
 * release or cancellation commit together.
 */
import type { Database, Statement } from 'better-sqlite3';
import { AppError } from '../../../../shared/errors';
import { isTerminalStatus, type JobStatus } from '../../../../shared/model';
import { combineEdges, edgeVerdict, unmetReason } from '../../dependencies/dependency-rules';
import {
  DEPENDENCY_CANCEL_CODE,
  type DependencyEdge,
  type DependencyEffects,
  type DependencyStore,
  type DependencyTrigger,
  type EdgeState,
  type JobDependencies,
} from '../../dependencies/dependency-types';
import type { NewJob } from '../queue-backend';
import { EffectsListeners, noEffects } from '../../dependencies/effects-listeners';
import type { JobCounts } from './job-counts';

interface DepJobRow {
  id: string;
  status: JobStatus;
  type: string;
  queue: string;
  run_at: number;
  error_code: string | null;
}

interface EdgeRow {
  job_id: string;
  depends_on: string;
  trigger: DependencyTrigger;
  state: EdgeState;
  resolved_at: number | null;
  other_status: JobStatus | null;
}

export class SqliteDependencies implements DependencyStore {
  private readonly effectListeners = new EffectsListeners();
  private readonly s: Record<string, Statement>;

  constructor(
    private readonly db: Database,
    private readonly counts: JobCounts,
  ) {
    this.s = {
      job: db.prepare('SELECT id, status, type, queue, run_at, error_code FROM jobs WHERE id = ?'),
      insertEdge: db.prepare(
        'INSERT INTO job_dependencies (job_id, depends_on, trigger, state, resolved_at) VALUES (?, ?, ?, ?, ?)',
      ),
      openEdgesOn: db.prepare("SELECT job_id, trigger FROM job_dependencies WHERE depends_on = ? AND state = 'waiting'"),
      unmetEdgesOn: db.prepare("SELECT job_id, trigger FROM job_dependencies WHERE depends_on = ? AND state = 'unmet'"),
      anyEdgeOn: db.prepare('SELECT 1 FROM job_dependencies WHERE depends_on = ? LIMIT 1'),
      anyEdge: db.prepare('SELECT 1 FROM job_dependencies LIMIT 1'),
      edgesOf: db.prepare('SELECT depends_on, trigger, state FROM job_dependencies WHERE job_id = ?'),
      setEdge: db.prepare('UPDATE job_dependencies SET state = ?, resolved_at = ? WHERE job_id = ? AND depends_on = ?'),
      setWaiting: db.prepare("UPDATE jobs SET status = 'waiting', updated_at = ? WHERE id = ?"),
      release: db.prepare("UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? AND status = 'waiting'"),
      cancel: db.prepare(`UPDATE jobs SET status = 'cancelled', finished_at = @at, updated_at = @at, error_class = 'cancelled',
          error_message = @reason, error_stack = NULL, error_code = '${DEPENDENCY_CANCEL_CODE}'
        WHERE id = @id AND status IN ('waiting', 'pending', 'scheduled')`),
      reopen: db.prepare(`UPDATE jobs SET status = 'waiting', finished_at = NULL, updated_at = @at, error_class = NULL,
          error_message = NULL, error_code = NULL WHERE id = @id AND status = 'cancelled' AND error_code = '${DEPENDENCY_CANCEL_CODE}'`),
      dependenciesOf: db.prepare(`SELECT d.job_id, d.depends_on, d.trigger, d.state, d.resolved_at, j.status AS other_status
        FROM job_dependencies d LEFT JOIN jobs j ON j.id = d.depends_on WHERE d.job_id = ? ORDER BY d.depends_on`),
      dependentsOf: db.prepare(`SELECT d.job_id, d.depends_on, d.trigger, d.state, d.resolved_at, j.status AS other_status
        FROM job_dependencies d LEFT JOIN jobs j ON j.id = d.job_id WHERE d.depends_on = ? ORDER BY d.job_id`),
    };
  }

  private job(id: string): DepJobRow | undefined {
    return this.s.job!.get(id) as DepJobRow | undefined;
  }

  /** Set a job waiting for its prerequisites (from whatever status it has). */
  private setWaiting(id: string, now: number): void {
    const row = this.job(id);
    if (row && this.s.setWaiting!.run(now, id).changes) this.counts.move(row.queue, row.status, 'waiting');
  }

  private cancelDependent(dep: DepJobRow, reason: string, now: number, effects: DependencyEffects): boolean {
    if (this.s.cancel!.run({ id: dep.id, at: now, reason }).changes === 0) return false;
    this.counts.move(dep.queue, dep.status, 'cancelled');
    effects.cancelled.push({ id: dep.id, type: dep.type, queue: dep.queue, reason, finishedAt: now });
    return true;
  }

  /**
   * After the rows of `jobs` were inserted (same transaction): store their edges and set the
   * status of each job that has dependencies (waiting, or cancelled when one can never be met,
   * cascading within the batch). Throws VALIDATION for an unknown prerequisite (the caller's
   * transaction rolls back: nothing is written).
   */
  insertEdges(jobs: ReadonlyArray<Pick<NewJob, 'id' | 'dependencies'>>, now: number): DependencyEffects {
    const effects = noEffects();
    const verdicts = new Map<string, Array<{ on: string; trigger: DependencyTrigger; state: EdgeState; status: JobStatus | null }>>();
    for (const j of jobs) {
      if (!j.dependencies.length) continue;
      const list: Array<{ on: string; trigger: DependencyTrigger; state: EdgeState; status: JobStatus | null }> = [];
      j.dependencies.forEach((d, i) => {
        if (d.jobId === j.id) throw new AppError('VALIDATION', `invalid job: dependencies[${i}].jobId: a job cannot depend on itself`);
        const pre = this.job(d.jobId);
        if (!pre) throw new AppError('VALIDATION', `invalid job: dependencies[${i}].jobId: no job with id ${d.jobId}`);
        const state = edgeVerdict(d.trigger, pre.status);
        this.s.insertEdge!.run(j.id, d.jobId, d.trigger, state, state === 'waiting' ? null : now);
        list.push({ on: d.jobId, trigger: d.trigger, state, status: pre.status });
      });
      verdicts.set(j.id, list);
    }
    const cancelled: string[] = [];
    for (const j of jobs) {
      const list = verdicts.get(j.id);
      if (!list) continue;
      const combined = combineEdges(list.map((e) => e.state));
      if (combined === 'met') continue;
      this.setWaiting(j.id, now);
      if (combined === 'unmet') {
        const bad = list.find((e) => e.state === 'unmet')!;
        const row = this.job(j.id)!;
        if (this.cancelDependent(row, unmetReason(bad.on, bad.status, bad.trigger), now, effects)) cancelled.push(j.id);
      }
    }
    if (cancelled.length) this.cascade(cancelled, now, effects);
    return effects;
  }

  /**
   * Jobs in `ids` may have reached a terminal status (same transaction): resolve the open edges
   * on them, release dependents whose edges are all met, cancel those with an unmet edge, and
   * carry on down the graph.
   */
  resolveAfter(ids: readonly string[], now: number): DependencyEffects {
    const effects = noEffects();
    // No edges in the store at all (the common case): no lookup per finished job.
    if (this.s.anyEdge!.get() === undefined) return effects;
    const withEdges = ids.filter((id) => this.s.anyEdgeOn!.get(id) !== undefined);
    if (withEdges.length) this.cascade(withEdges, now, effects);
    return effects;
  }

  private cascade(start: readonly string[], now: number, effects: DependencyEffects): void {
    const queue = [...start];
    while (queue.length) {
      const id = queue.shift()!;
      const pre = this.job(id);
      if (!pre || !isTerminalStatus(pre.status)) continue;
      for (const e of this.s.openEdgesOn!.all(id) as Array<{ job_id: string; trigger: DependencyTrigger }>) {
        const verdict = edgeVerdict(e.trigger, pre.status);
        this.s.setEdge!.run(verdict, now, e.job_id, id);
        const dep = this.job(e.job_id);
        if (!dep || dep.status !== 'waiting') continue;
        if (verdict === 'unmet') {
          if (this.cancelDependent(dep, unmetReason(id, pre.status, e.trigger), now, effects)) queue.push(dep.id);
          continue;
        }
        const states = (this.s.edgesOf!.all(dep.id) as Array<{ state: EdgeState }>).map((r) => r.state);
        if (combineEdges(states) !== 'met') continue;
        const status = dep.run_at > now ? 'scheduled' : 'pending';
        if (this.s.release!.run(status, now, dep.id).changes) {
          this.counts.move(dep.queue, 'waiting', status);
          effects.released.push({ id: dep.id, type: dep.type, queue: dep.queue, status, runAt: dep.run_at });
        }
      }
    }
  }

  /**
   * `id` was just restarted (same transaction, its row already pending): re-check its own
   * edges (CONFLICT when one can never be met; `waiting` when one is still open), then re-open
   * the dependents that were cancelled because of it, down the graph. Returns the effects and
   * the status the restarted job ends with.
   */
  afterRestart(id: string, now: number): { effects: DependencyEffects; status: 'pending' | 'waiting' } {
    const effects = noEffects();
    let status: 'pending' | 'waiting' = 'pending';
    const own = this.s.edgesOf!.all(id) as Array<{ depends_on: string; trigger: DependencyTrigger }>;
    if (own.length) {
      const states: EdgeState[] = [];
      for (const e of own) {
        const pre = this.job(e.depends_on);
        const state = edgeVerdict(e.trigger, pre?.status ?? null);
        if (state === 'unmet') {
          throw new AppError(
            'CONFLICT',
            `job ${id} cannot run again: ${unmetReason(e.depends_on, pre?.status ?? null, e.trigger)}; restart ${e.depends_on} first`,
          );
        }
        this.s.setEdge!.run(state, state === 'waiting' ? null : now, id, e.depends_on);
        states.push(state);
      }
      if (combineEdges(states) === 'waiting') {
        this.setWaiting(id, now);
        status = 'waiting';
      }
    }
    const queue = [id];
    while (queue.length) {
      const p = queue.shift()!;
      for (const e of this.s.unmetEdgesOn!.all(p) as Array<{ job_id: string }>) {
        this.s.setEdge!.run('waiting', null, e.job_id, p);
        const stillUnmet = (this.s.edgesOf!.all(e.job_id) as Array<{ state: EdgeState }>).some((r) => r.state === 'unmet');
        if (stillUnmet) continue;
        const reopened = this.job(e.job_id);
        if (reopened && this.s.reopen!.run({ id: e.job_id, at: now }).changes) {
          this.counts.move(reopened.queue, 'cancelled', 'waiting');
          effects.reopened.push(e.job_id);
          queue.push(e.job_id);
        }
      }
    }
    return { effects, status };
  }

  /** Tell listeners what a committed write did (nothing when it did nothing). */
  announce(effects: DependencyEffects | null): void {
    this.effectListeners.announce(effects);
  }

  /** See DependencyStore.onEffects. */
  onEffects(listener: (effects: DependencyEffects) => void): () => void {
    return this.effectListeners.add(listener);
  }

  /** See DependencyStore.edgesOf. */
  async edgesOf(jobId: string): Promise<JobDependencies> {
    const job = this.job(jobId);
    if (!job) throw new AppError('NOT_FOUND', `no job with id ${jobId}`);
    const map = (r: EdgeRow): DependencyEdge => ({
      jobId: r.job_id,
      dependsOn: r.depends_on,
      trigger: r.trigger,
      state: r.state,
      resolvedAt: r.resolved_at,
      otherStatus: r.other_status,
    });
    return {
      id: jobId,
      status: job.status,
      dependencies: (this.s.dependenciesOf!.all(jobId) as EdgeRow[]).map(map),
      dependents: (this.s.dependentsOf!.all(jobId) as EdgeRow[]).map(map),
    };
  }
}
