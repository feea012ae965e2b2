/**
 * One row of the jobs table. It selects only its own record, live patch and selection flag, so a
 * progress event for one job re-renders that row alone.
 */
import { memo, type JSX, type KeyboardEvent } from 'react';
import { formatDuration, formatTime, jobDuration, shortId } from '../../components/format';
import { ProgressBar } from '../../components/progress-bar';
import { StatusBadge } from '../../components/status-badge';
import { mergeLive } from '../../store/jobs-slice';
import { useAppStore } from '../../store/store-context';

export const ROW_HEIGHT = 38;

export interface JobRowProps {
  index: number;
  top: number;
  onKeyDown(e: KeyboardEvent<HTMLDivElement>, index: number): void;
}

/** A table row at `top` px for the loaded row `index`; a placeholder while its page loads. */
export const JobRow = memo(function JobRow({ index, top, onKeyDown }: JobRowProps): JSX.Element {
  const record = useAppStore((s) => s.jobs.table.rows[index]);
  const live = useAppStore((s) => (record ? s.jobs.live[record.id] : undefined));
  const selected = useAppStore((s) => (record ? s.jobs.selected[record.id] === true : false));
  const toggle = useAppStore((s) => s.jobs.toggleSelected);
  const navigate = useAppStore((s) => s.ui.navigate);
  // Each row is its own layout and paint island of a fixed size: restyling one while scrolling
  // does not lay out or repaint its neighbours or the table.
  const style = { transform: `translateY(${top}px)`, height: ROW_HEIGHT, contain: 'strict' } as const;
  if (!record) {
    return (
      <div className="jrow jrow-loading" role="row" aria-rowindex={index + 2} style={style}>
        <div role="cell" className="jcell jcell-wide">
          Loading more jobs…
        </div>
      </div>
    );
  }
  const job = mergeLive(record, live);
  const open = (): void => navigate({ name: 'job', id: job.id });
  return (
    <div
      className={`jrow${selected ? ' jrow-selected' : ''}`}
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-index={index}
      tabIndex={0}
      style={style}
      onDoubleClick={open}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Enter') open();
        else if (e.key === ' ') {
          e.preventDefault();
          toggle(job.id);
        } else onKeyDown(e, index);
      }}
    >
      <div role="cell" className="jcell jcell-check">
        <input type="checkbox" checked={selected} onChange={() => toggle(job.id)} aria-label={`Select job ${job.id}`} tabIndex={-1} />
      </div>
      <div role="cell" className="jcell jcell-id" title={job.id}>
        <a href={`#/jobs/${encodeURIComponent(job.id)}`} tabIndex={-1} onClick={(e) => { e.preventDefault(); open(); }}>
          {shortId(job.id)}
        </a>
      </div>
      <div role="cell" className="jcell">{job.type}</div>
      <div role="cell" className="jcell">{job.queue}</div>
      <div role="cell" className="jcell">{job.priority}</div>
      <div role="cell" className="jcell"><StatusBadge status={job.status} /></div>
      <div role="cell" className="jcell jcell-progress">
        <ProgressBar value={job.progress} label={`Progress of job ${job.id}`} message={job.progressMessage} />
      </div>
      <div role="cell" className="jcell jcell-num" title={`${job.maxRetries} retries allowed`}>{job.attempts}</div>
      <div role="cell" className="jcell jcell-time">{formatTime(job.createdAt)}</div>
      <div role="cell" className="jcell jcell-time">{formatTime(job.startedAt)}</div>
      <div role="cell" className="jcell jcell-num">{job.finishedAt ? formatDuration(jobDuration(job.startedAt, job.finishedAt, job.finishedAt)) : job.startedAt ? 'running' : '—'}</div>
      <div role="cell" className="jcell">{job.worker ?? '—'}</div>
    </div>
  );
});
