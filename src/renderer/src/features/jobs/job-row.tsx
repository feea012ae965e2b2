/**
 * One row of the jobs table. It selects only its own record, live patch and selection flag, so a
 * progress event for one job re-renders that row alone.
 *
 * Rows are what the browser styles, lays out and paints on every scroll step, so a row is kept
 * small: one element per cell, the status word as the cell itself, the progress bar as one
 * element, and the link that opens the job and the selection checkbox only while the row is
 * hovered or focused (the row itself opens the job with Enter or a double click and selects it
 * with Space; aria-selected tells its state). Only the cells with free text (id, type, queue,
 * worker, duration) clip with an ellipsis. Its display strings are computed once per record, not
 * on every render.
 */
import { memo, useState, type JSX, type KeyboardEvent } from 'react';
import type { JobRecord } from '../../../../shared/model';
import { formatDuration, formatTime, jobDuration, shortId } from '../../components/format';
import { ProgressBar } from '../../components/progress-bar';
import { mergeLive } from '../../store/jobs-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';

export const ROW_HEIGHT = 38;

export interface JobRowProps {
  index: number;
  top: number;
  onKeyDown(e: KeyboardEvent<HTMLDivElement>, index: number): void;
}

/** What a row shows of a record, as text. */
interface RowText {
  shortId: string;
  created: string;
  started: string;
  duration: string;
  retries: string;
}

/** Display strings per record object: a record scrolled back into view is not formatted again. */
const ROW_TEXT = new WeakMap<JobRecord, RowText>();

function rowText(job: JobRecord): RowText {
  const cached = ROW_TEXT.get(job);
  if (cached) return cached;
  const text: RowText = {
    shortId: shortId(job.id),
    created: formatTime(job.createdAt),
    started: formatTime(job.startedAt),
    duration: job.finishedAt ? formatDuration(jobDuration(job.startedAt, job.finishedAt, job.finishedAt)) : job.startedAt ? 'running' : '—',
    retries: `${job.maxRetries} retries allowed`,
  };
  ROW_TEXT.set(job, text);
  return text;
}

/** True when `map` has a key (without listing them: thousands may be selected). */
function hasAny(map: Record<string, true>): boolean {
  for (const key in map) if (Object.hasOwn(map, key)) return true;
  return false;
}

/** A table row at `top` px for the loaded row `index`; a placeholder while its page loads. */
export const JobRow = memo(function JobRow({ index, top, onKeyDown }: JobRowProps): JSX.Element {
  const record = useAppStore((s) => s.jobs.table.rows[index]);
  const live = useAppStore((s) => (record ? s.jobs.live[record.id] : undefined));
  const selected = useAppStore((s) => (record ? s.jobs.selected[record.id] === true : false));
  const selecting = useAppStore((s) => hasAny(s.jobs.selected));
  const store = useStoreApi();
  // The id cell is a link, and the check cell a checkbox, only while the pointer or the focus is
  // on the row (by job id: a row element reused for another job while scrolling does not keep
  // it); checkboxes show on every row while any job is selected.
  const [activeId, setActiveId] = useState<string | null>(null);
  // Each row is its own layout and paint island of a fixed size (`contain: strict` in the CSS):
  // restyling one while scrolling does not lay out or repaint its neighbours or the table.
  const style = { transform: `translateY(${top}px)` };
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
  const text = rowText(job);
  const active = activeId === job.id;
  const open = (): void => store.getState().ui.navigate({ name: 'job', id: job.id });
  const toggle = (): void => store.getState().jobs.toggleSelected(job.id);
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
      // mouseover, not mouseenter: a row element reused for another job while the wheel scrolls
      // it under a still pointer gets its link and checkbox as soon as the pointer moves again.
      onMouseOver={() => setActiveId(job.id)}
      onMouseLeave={() => setActiveId(null)}
      onFocus={() => setActiveId(job.id)}
      onBlur={(e) => {
        if (!e.currentTarget.contains(e.relatedTarget as Node | null)) setActiveId(null);
      }}
      onKeyDown={(e) => {
        if (e.target !== e.currentTarget) return;
        if (e.key === 'Enter') open();
        else if (e.key === ' ') {
          e.preventDefault();
          toggle();
        } else onKeyDown(e, index);
      }}
    >
      <div role="cell" className="jcell jcell-check">
        {active || selected || selecting ? <input type="checkbox" checked={selected} onChange={toggle} aria-label={`Select job ${job.id}`} tabIndex={-1} /> : null}
      </div>
      <div role="cell" className="jcell jcell-id jcell-clip" title={job.id}>
        {active ? (
          <a href={`#/jobs/${encodeURIComponent(job.id)}`} tabIndex={-1} onClick={(e) => { e.preventDefault(); open(); }}>
            {text.shortId}
          </a>
        ) : (
          text.shortId
        )}
      </div>
      <div role="cell" className="jcell jcell-clip">{job.type}</div>
      <div role="cell" className="jcell jcell-clip">{job.queue}</div>
      <div role="cell" className="jcell">{job.priority}</div>
      <div role="cell" className={`jcell jcell-status badge badge-${job.status}`}>{job.status}</div>
      <div role="cell" className="jcell jcell-progress">
        <ProgressBar value={job.progress} label={`Progress of job ${job.id}`} message={job.progressMessage} />
      </div>
      <div role="cell" className="jcell jcell-num" title={text.retries}>{job.attempts}</div>
      <div role="cell" className="jcell jcell-time">{text.created}</div>
      <div role="cell" className="jcell jcell-time">{text.started}</div>
      <div role="cell" className="jcell jcell-num jcell-clip">{text.duration}</div>
      <div role="cell" className="jcell jcell-clip">{job.worker ?? '—'}</div>
    </div>
  );
});
