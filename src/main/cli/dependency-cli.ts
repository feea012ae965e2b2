/** CLI helpers for job dependencies: `--depends-on ID[:trigger]` and the lines `show` prints. */
import { DEPENDENCY_TRIGGERS, type JobDependency } from '../../shared/model';
import type { JobDependenciesView } from '../../shared/schedule-types';
import { UsageError } from './cli-args';
import { table } from './cli-output';

/** `["abc", "def:failure"]` → dependencies (default trigger success). Throws UsageError naming the bad value. */
export function parseDependsOn(values: readonly string[] | undefined): JobDependency[] {
  return (values ?? []).map((raw) => {
    const colon = raw.lastIndexOf(':');
    const maybe = colon > 0 ? raw.slice(colon + 1) : '';
    const trigger = (DEPENDENCY_TRIGGERS as readonly string[]).includes(maybe) ? (maybe as JobDependency['trigger']) : null;
    const jobId = trigger ? raw.slice(0, colon) : raw;
    if (!jobId.trim()) throw new UsageError(`--depends-on ${JSON.stringify(raw)}: expected ID[:${DEPENDENCY_TRIGGERS.join('|')}]`);
    if (!trigger && colon > 0 && /^[a-z]+$/.test(maybe)) {
      throw new UsageError(`--depends-on ${JSON.stringify(raw)}: unknown trigger "${maybe}"; expected ${DEPENDENCY_TRIGGERS.join(', ')}`);
    }
    return { jobId, trigger: trigger ?? 'success' };
  });
}

/** The dependency section of `show` (empty when the job has none either way). */
export function dependencyLines(view: JobDependenciesView): string {
  const parts: string[] = [];
  if (view.dependencies.length) {
    parts.push('\nwaits for (dependencies):');
    parts.push(
      table([
        ['JOB', 'TRIGGER', 'EDGE', 'ITS STATUS'],
        ...view.dependencies.map((d) => [d.dependsOn, d.trigger, d.state, d.otherStatus ?? '(deleted)']),
      ]),
    );
  }
  if (view.dependents.length) {
    parts.push('\nwaited for by (dependents):');
    parts.push(
      table([
        ['JOB', 'TRIGGER', 'EDGE', 'ITS STATUS'],
        ...view.dependents.map((d) => [d.jobId, d.trigger, d.state, d.otherStatus ?? '(deleted)']),
      ]),
    );
  }
  return parts.join('\n');
}
