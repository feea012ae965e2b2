/**
 * A flow: a whole graph of jobs submitted at once, each with a local `ref` that the others'
 * `dependsOn` may name (or an existing job's `jobId`). All or nothing: the graph is checked
 * (unknown refs, self-dependencies, duplicates, cycles) before anything is written, and the
 * jobs and their edges are inserted in one write.
 */
import { z } from 'zod';
import { AppError, parseOrThrow } from '../../../shared/errors';
import { DependencyTriggerSchema, JobSubmissionSchema, type JobDependency, type JobSubmission } from '../../../shared/model';
import type { NewJob } from '../backend/queue-backend';
import { assertAcyclic } from './dependency-rules';

const RefSchema = z.string().trim().min(1).max(100);

/** One prerequisite of a flow job: another job of the flow (`ref`) or an existing job (`jobId`). */
export const FlowDependencySchema = z.union([
  z.strictObject({ ref: RefSchema, trigger: DependencyTriggerSchema.default('success') }),
  z.strictObject({ jobId: z.string().min(1).max(100), trigger: DependencyTriggerSchema.default('success') }),
]);

/** A job of a flow: a submission plus its local ref and its prerequisites. */
export const FlowJobSchema = JobSubmissionSchema.extend({
  ref: RefSchema,
  dependsOn: z.array(FlowDependencySchema).max(1000).optional(),
});

/** `{ jobs: [...] }`, at most 10,000 jobs. */
export const FlowSchema = z.strictObject({ jobs: z.array(FlowJobSchema).min(1).max(10_000) });
export type FlowInput = z.input<typeof FlowSchema>;

/** What a flow submission returns: the jobs in input order and the id each ref got. */
export interface FlowResult {
  ids: Record<string, string>;
  jobs: import('../../../shared/model').JobRecord[];
}

/** The rows to insert for a flow, and the existing job ids it names (the caller checks they exist). */
export interface PlannedFlow {
  rows: NewJob[];
  ids: Record<string, string>;
  /** Existing jobs named by `jobId`, with where they were named (for error messages). */
  external: Array<{ jobId: string; label: string }>;
}

/**
 * Validate a flow and build its rows. `build` turns one plain submission into a NewJob
 * (validation, registry, defaults). Throws VALIDATION naming the job (`jobs[2] (ref "load")`):
 * duplicate refs, unknown refs, self-dependencies, duplicate edges, cycles.
 */
export function planFlow(input: unknown, build: (submission: JobSubmission, subject: string) => NewJob): PlannedFlow {
  const flow = parseOrThrow(FlowSchema, input, 'flow');
  const refs = new Map<string, number>();
  flow.jobs.forEach((j, i) => {
    if (refs.has(j.ref)) throw new AppError('VALIDATION', `invalid flow: jobs[${i}]: ref "${j.ref}" is already used by jobs[${refs.get(j.ref)}]`);
    refs.set(j.ref, i);
  });
  const label = (i: number) => `jobs[${i}] (ref "${flow.jobs[i]!.ref}")`;
  const nodes = flow.jobs.map((j, i) => ({
    key: `ref:${j.ref}`,
    label: label(i),
    dependsOn: [
      ...(j.dependsOn ?? []).map((d) => {
        if ('ref' in d) {
          if (!refs.has(d.ref)) throw new AppError('VALIDATION', `invalid flow: ${label(i)}: dependsOn names ref "${d.ref}", which is not in the flow`);
          return `ref:${d.ref}`;
        }
        return `id:${d.jobId}`;
      }),
      ...(j.dependencies ?? []).map((d) => `id:${d.jobId}`),
    ],
  }));
  assertAcyclic(nodes);
  const rows = flow.jobs.map((j, i) => {
    const { ref: _ref, dependsOn: _deps, ...submission } = j;
    return build(submission as JobSubmission, `flow jobs[${i}]`);
  });
  const ids: Record<string, string> = {};
  flow.jobs.forEach((j, i) => (ids[j.ref] = rows[i]!.id));
  const external: PlannedFlow['external'] = [];
  flow.jobs.forEach((j, i) => {
    const deps: JobDependency[] = [...rows[i]!.dependencies];
    for (const d of j.dependsOn ?? []) {
      if ('ref' in d) deps.push({ jobId: ids[d.ref]!, trigger: d.trigger });
      else {
        deps.push({ jobId: d.jobId, trigger: d.trigger });
        external.push({ jobId: d.jobId, label: label(i) });
      }
    }
    for (const d of j.dependencies ?? []) external.push({ jobId: d.jobId, label: label(i) });
    rows[i]!.dependencies = deps;
  });
  return { rows, ids, external };
}
