/**
 * Seeded random job DAGs with mixed triggers, and the outcome every node must reach by the
 * documented dependency rules — computed here, without the engine, for the DAG tests of every
 * backend.
 */
import type { JobStatus } from '../../src/shared/model';
import { seededRandom } from '../../chaos/trial';

export type Trigger = 'success' | 'failure' | 'completion';
export const TRIGGERS: readonly Trigger[] = ['success', 'failure', 'completion'];

export interface DagNode {
  fails: boolean;
  deps: Array<{ on: number; trigger: Trigger }>;
}

/**
 * `size` nodes; node i depends on up to 3 earlier nodes, mostly by success edges (so that long
 * chains exist) but with every trigger present; about one node in five fails.
 */
export function randomDag(size: number, seed: number): DagNode[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: size }, (_, i) => {
    const deps: DagNode['deps'] = [];
    const count = i === 0 ? 0 : Math.floor(rnd() * 4);
    const used = new Set<number>();
    for (let k = 0; k < count; k++) {
      const on = Math.floor(rnd() * i);
      if (used.has(on)) continue;
      used.add(on);
      const r = rnd();
      deps.push({ on, trigger: r < 0.6 ? 'success' : TRIGGERS[1 + Math.floor(rnd() * 2)]! });
    }
    return { fails: rnd() < 0.2, deps };
  });
}

/** The expected final status of every node by the rules (failure = failed or cancelled). */
export function expectedStatuses(nodes: readonly DagNode[]): JobStatus[] {
  const out: JobStatus[] = [];
  for (const n of nodes) {
    const unmet = n.deps.some(({ on, trigger }) => {
      const s = out[on]!;
      if (trigger === 'success') return s !== 'completed';
      if (trigger === 'failure') return s === 'completed';
      return false;
    });
    out.push(unmet ? 'cancelled' : n.fails ? 'failed' : 'completed');
  }
  return out;
}
