/**
 * A job's dependencies (left) and dependents (right) as a small graph: the job in the middle, one
 * node per related job with its status, edges labelled with the trigger and whether it is met.
 * Drawn as SVG lines between HTML nodes; each node is a link to that job.
 */
import type { JSX } from 'react';
import type { DependencyEdgeView, JobDependenciesView } from '../../../../shared/schedule-types';
import { shortId } from '../../components/format';
import { useAppStore } from '../../store/store-context';

const NODE_H = 44;
const GAP = 12;

function NodeLink({ id, status, label }: { id: string; status: string | null; label: string }): JSX.Element {
  const navigate = useAppStore((s) => s.ui.navigate);
  return (
    <a className={`dep-node badge-${status ?? 'unknown'}`} href={`#/jobs/${encodeURIComponent(id)}`} title={id} aria-label={`${label} ${id}, ${status ?? 'unknown status'}`} onClick={(e) => { e.preventDefault(); navigate({ name: 'job', id }); }}>
      <span>{shortId(id)}</span>
      <small>{status ?? 'unknown'}</small>
    </a>
  );
}

function Column({ edges, side }: { edges: DependencyEdgeView[]; side: 'left' | 'right' }): JSX.Element {
  return (
    <div className="dep-column">
      {edges.map((edge) => {
        const other = side === 'left' ? edge.dependsOn : edge.jobId;
        return (
          <div key={other} className="dep-slot">
            <NodeLink id={other} status={edge.otherStatus} label={side === 'left' ? 'Dependency' : 'Dependent'} />
            <span className={`dep-edge dep-${edge.state}`}>
              {edge.trigger} · {edge.state}
            </span>
          </div>
        );
      })}
    </div>
  );
}

/** The graph; an explanation instead when the job has neither dependencies nor dependents. */
export function DependencyGraph({ view }: { view: JobDependenciesView }): JSX.Element {
  const rows = Math.max(view.dependencies.length, view.dependents.length, 1);
  const height = rows * (NODE_H + GAP);
  if (view.dependencies.length === 0 && view.dependents.length === 0) {
    return <p className="muted">This job neither waits for other jobs nor has jobs waiting for it. Add dependencies when you submit a job.</p>;
  }
  const y = (i: number, n: number): number => (height - n * (NODE_H + GAP)) / 2 + i * (NODE_H + GAP) + NODE_H / 2;
  return (
    <div className="dep-graph" role="group" aria-label={`Dependency graph: ${view.dependencies.length} dependencies, ${view.dependents.length} dependents`}>
      <Column edges={view.dependencies} side="left" />
      <svg className="dep-lines" width="60" height={height} aria-hidden="true">
        {view.dependencies.map((e, i) => (
          <line key={e.dependsOn} x1="0" y1={y(i, view.dependencies.length)} x2="60" y2={height / 2} className={`dep-line dep-${e.state}`} />
        ))}
      </svg>
      <div className="dep-center" style={{ height }}>
        <span className={`dep-node dep-self badge-${view.status}`}>
          <span>this job</span>
          <small>{view.status}</small>
        </span>
      </div>
      <svg className="dep-lines" width="60" height={height} aria-hidden="true">
        {view.dependents.map((e, i) => (
          <line key={e.jobId} x1="0" y1={height / 2} x2="60" y2={y(i, view.dependents.length)} className={`dep-line dep-${e.state}`} />
        ))}
      </svg>
      <Column edges={view.dependents} side="right" />
    </div>
  );
}
