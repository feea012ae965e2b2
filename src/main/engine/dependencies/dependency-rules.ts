/**
 * The dependency rules as pure functions: what a prerequisite's status means for one edge,
 * what a set of edges means for the dependent, and the graph checks done before anything is
 * written (self-dependency, duplicates, cycles).
 *
 * Triggers: `completion` is met by any terminal outcome; `success` by completed only (failed
 * or cancelled make it unmet); `failure` by failed or cancelled (completed makes it unmet). So
 * success and failure split the terminal outcomes between them, and a dependency cancelled by
 * the cascade counts as "did not succeed" for the next level down.
 */
import { AppError } from '../../../shared/errors';
import { isTerminalStatus, type JobStatus } from '../../../shared/model';
import type { DependencyTrigger, EdgeState } from './dependency-types';

/** The state of an edge whose prerequisite has `status` (null: the prerequisite is gone → unmet). */
export function edgeVerdict(trigger: DependencyTrigger, status: JobStatus | null): EdgeState {
  if (status === null) return 'unmet';
  if (!isTerminalStatus(status)) return 'waiting';
  if (trigger === 'completion') return 'met';
  if (trigger === 'success') return status === 'completed' ? 'met' : 'unmet';
  return status === 'completed' ? 'unmet' : 'met';
}

/** A dependent's state from its edges: any unmet → unmet, else any waiting → waiting, else met. */
export function combineEdges(states: readonly EdgeState[]): EdgeState {
  if (states.includes('unmet')) return 'unmet';
  return states.includes('waiting') ? 'waiting' : 'met';
}

/** Why a dependent is cancelled: names the dependency, its outcome and the trigger. */
export function unmetReason(dependsOn: string, status: JobStatus | null, trigger: DependencyTrigger): string {
  const what = status === null ? 'no longer exists' : status;
  return `dependency ${dependsOn} ${what === 'completed' ? 'completed' : what === 'no longer exists' ? what : `was ${what}`}; this job needed its ${trigger}`;
}

/** One node of a graph to check: a label for errors and the labels of its prerequisites in the same graph. */
export interface GraphNode {
  key: string;
  /** How errors name it, e.g. `jobs[3] (ref "load")`. */
  label: string;
  dependsOn: string[];
}

/**
 * Reject self-dependencies, duplicate edges and cycles among `nodes` (keys local to one
 * submission). Throws VALIDATION naming the node (and the cycle's path).
 */
export function assertAcyclic(nodes: readonly GraphNode[]): void {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  for (const n of nodes) {
    const seen = new Set<string>();
    for (const d of n.dependsOn) {
      if (d === n.key) throw new AppError('VALIDATION', `invalid flow: ${n.label} depends on itself`);
      if (seen.has(d)) throw new AppError('VALIDATION', `invalid flow: ${n.label} lists the dependency "${d}" twice`);
      seen.add(d);
    }
  }
  // Iterative DFS with colours: 1 = on the stack, 2 = done.
  const colour = new Map<string, 1 | 2>();
  for (const start of nodes) {
    if (colour.has(start.key)) continue;
    const stack: Array<{ key: string; next: number }> = [{ key: start.key, next: 0 }];
    colour.set(start.key, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const deps = byKey.get(top.key)?.dependsOn ?? [];
      if (top.next >= deps.length) {
        colour.set(top.key, 2);
        stack.pop();
        continue;
      }
      const d = deps[top.next++]!;
      if (!byKey.has(d)) continue; // an existing job outside the graph: cannot close a cycle
      const c = colour.get(d);
      if (c === 1) {
        const from = stack.findIndex((s) => s.key === d);
        const path = [...stack.slice(from).map((s) => byKey.get(s.key)!.label), byKey.get(d)!.label];
        throw new AppError('VALIDATION', `invalid flow: dependency cycle ${path.join(' → ')}`);
      }
      if (c === undefined) {
        colour.set(d, 1);
        stack.push({ key: d, next: 0 });
      }
    }
  }
}
