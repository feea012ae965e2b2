/**
 * The dependency port: what the engine asks of a store about job dependencies. SqliteBackend
 * implements it (backend/sqlite/sqlite-dependencies.ts); the Redis backend will too.
 *
 * Contract every store keeps:
 * - insertJobs stores one edge per entry of a job's `dependencies` and decides the new job's
 *   status in the same write: all met → pending/scheduled as submitted; any still open →
 *   `waiting`; any that can no longer be met → `cancelled` naming it. An unknown job id makes
 *   the whole insert fail with VALIDATION (nothing written).
 * - when a job reaches a terminal status (an outcome written, a cancel of a waiting job), its
 *   dependents are evaluated in the SAME write: released, or cancelled and cascaded.
 * - restarting a failed/cancelled job re-opens the dependents that were cancelled because of it
 *   (see restart rule in docs/scheduling.md), in the same write as the restart.
 */
import type { DEPENDENCY_TRIGGERS, JobStatus } from '../../../shared/model';

/** completion | success | failure */
export type DependencyTrigger = (typeof DEPENDENCY_TRIGGERS)[number];

/** Where one edge stands: still open, met, or never to be met. */
export type EdgeState = 'waiting' | 'met' | 'unmet';

/** One edge seen from one of its ends, with the other job's current status. */
export interface DependencyEdge {
  /** The dependent job. */
  jobId: string;
  /** The prerequisite. */
  dependsOn: string;
  trigger: DependencyTrigger;
  state: EdgeState;
  resolvedAt: number | null;
  /** Status of the job at the other end (the prerequisite in `dependencies`, the dependent in `dependents`); null if deleted. */
  otherStatus: JobStatus | null;
}

/** A job's edges both ways. */
export interface JobDependencies {
  id: string;
  status: JobStatus;
  /** What this job waits for. */
  dependencies: DependencyEdge[];
  /** Jobs that wait for this one. */
  dependents: DependencyEdge[];
}

/** What one write did to dependents (announced after the commit). */
export interface DependencyEffects {
  /** Jobs that left `waiting` (now pending, or scheduled with their run-at). */
  released: Array<{ id: string; type: string; queue: string; status: 'pending' | 'scheduled'; runAt: number }>;
  /** Jobs cancelled because a dependency can no longer be met (cascade included). */
  cancelled: Array<{ id: string; type: string; queue: string; reason: string; finishedAt: number }>;
  /** Jobs put back to `waiting` by a restart of their prerequisite. */
  reopened: string[];
}

/** The dependency side of a store. */
export interface DependencyStore {
  /** A job's dependencies and dependents with their states. Errors: NOT_FOUND, BACKEND_UNAVAILABLE. */
  edgesOf(jobId: string): Promise<JobDependencies>;
  /** Call `listener` after every committed write that released, cancelled or re-opened dependents. Returns an unsubscribe. */
  onEffects(listener: (effects: DependencyEffects) => void): () => void;
}

/** The error code stored on a job cancelled by the dependency rules (lets a restart find it). */
export const DEPENDENCY_CANCEL_CODE = 'DEPENDENCY';
