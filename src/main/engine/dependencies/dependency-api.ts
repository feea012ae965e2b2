/**
 * The dependency operations the JobManager offers: submit a flow (a graph of jobs, all or
 * nothing) and read a job's dependencies and dependents. Adding a dependent to an existing job
 * is an ordinary submission with `dependencies` (the store evaluates it on insert).
 */
import { AppError } from '../../../shared/errors';
import type { JobRecord, JobSubmission } from '../../../shared/model';
import type { FlowResultView, JobDependenciesView } from '../../../shared/schedule-types';
import type { NewJob, QueueBackend } from '../backend/queue-backend';
import { planFlow } from './flow';

export interface DependencyApiOptions {
  backend: QueueBackend;
  /** One plain submission → its NewJob (validation, registry, defaults). */
  build: (submission: JobSubmission, subject: string) => NewJob;
  /** Insert rows with the engine's usual after-insert work; returns their records as stored. */
  insert: (rows: NewJob[]) => Promise<JobRecord[]>;
}

export class DependencyApi {
  constructor(private readonly o: DependencyApiOptions) {}

  private requireStore() {
    const store = this.o.backend.dependencies;
    if (!store) throw new AppError('CONFLICT', `the ${this.o.backend.kind} backend does not support job dependencies yet`);
    return store;
  }

  /**
   * Submit a graph of jobs at once. Errors: VALIDATION naming the job and ref (unknown ref,
   * self-dependency, duplicate, cycle, unknown job id, bad field); nothing is written then.
   */
  async submitFlow(input: unknown): Promise<FlowResultView> {
    this.requireStore();
    const plan = planFlow(input, this.o.build);
    for (const e of plan.external) {
      if (!(await this.o.backend.getJob(e.jobId))) throw new AppError('VALIDATION', `invalid flow: ${e.label}: no job with id ${e.jobId}`);
    }
    const jobs = await this.o.insert(plan.rows);
    return { ids: plan.ids, jobs };
  }

  /** A job's dependencies and dependents with their states. Errors: NOT_FOUND. */
  async edgesOf(id: string): Promise<JobDependenciesView> {
    return this.requireStore().edgesOf(String(id));
  }
}
