/**
 * The jobs table's filters: full-text search, status chips, type, queue, priority, created-time
 * window and sort. Text is applied 300 ms after typing stops; the rest at once.
 */
import { useEffect, useState, type JSX } from 'react';
import { JOB_PRIORITIES, JOB_STATUSES, type JobPriority, type JobStatus } from '../../../../shared/model';
import type { JobSortField } from '../../store/jobs-slice';
import { useAppStore } from '../../store/store-context';

const SORTS: Array<{ value: JobSortField; label: string }> = [
  { value: 'createdAt', label: 'Created' },
  { value: 'updatedAt', label: 'Last change' },
  { value: 'priority', label: 'Priority' },
  { value: 'runAt', label: 'Run at' },
  { value: 'finishedAt', label: 'Finished' },
];

function toLocalInput(ms: number | null): string {
  if (ms === null) return '';
  const d = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

function fromLocalInput(value: string): number | null {
  if (!value) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** The filter bar; writes the jobs slice's filters. */
export function JobsFilters(): JSX.Element {
  const filters = useAppStore((s) => s.jobs.table.filters);
  const setFilters = useAppStore((s) => s.jobs.setFilters);
  const jobTypes = useAppStore((s) => s.system.info?.jobTypes);
  const [text, setText] = useState(filters.text);
  const [queue, setQueue] = useState(filters.queue.join(', '));

  useEffect(() => setText(filters.text), [filters.text]);
  useEffect(() => setQueue(filters.queue.join(', ')), [filters.queue]);
  useEffect(() => {
    if (text === filters.text) return undefined;
    const timer = setTimeout(() => setFilters({ text }), 300);
    return () => clearTimeout(timer);
  }, [text, filters.text, setFilters]);

  const toggleStatus = (status: JobStatus): void => {
    const next = filters.status.includes(status) ? filters.status.filter((s) => s !== status) : [...filters.status, status];
    setFilters({ status: next });
  };
  const applyQueue = (): void => {
    const list = queue.split(',').map((q) => q.trim()).filter(Boolean);
    if (list.join(',') !== filters.queue.join(',')) setFilters({ queue: list });
  };

  return (
    <form className="filters" role="search" aria-label="Filter jobs" onSubmit={(e) => { e.preventDefault(); applyQueue(); setFilters({ text }); }}>
      <label className="field field-grow">
        <span>Search</span>
        <input type="search" value={text} onChange={(e) => setText(e.target.value)} placeholder="id, parameters, result or error text" aria-label="Search jobs" />
      </label>
      <fieldset className="chips">
        <legend>Status</legend>
        {JOB_STATUSES.map((status) => (
          <button key={status} type="button" className={`chip chip-${status}`} aria-pressed={filters.status.includes(status)} onClick={() => toggleStatus(status)}>
            {status}
          </button>
        ))}
      </fieldset>
      <label className="field">
        <span>Type</span>
        <select value={filters.type[0] ?? ''} onChange={(e) => setFilters({ type: e.target.value ? [e.target.value] : [] })} aria-label="Filter by type">
          <option value="">any type</option>
          {(jobTypes ?? []).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Queue</span>
        <input value={queue} onChange={(e) => setQueue(e.target.value)} onBlur={applyQueue} placeholder="any queue" aria-label="Filter by queue (comma-separated)" size={10} />
      </label>
      <label className="field">
        <span>Priority</span>
        <select value={filters.priority[0] ?? ''} onChange={(e) => setFilters({ priority: e.target.value ? [e.target.value as JobPriority] : [] })} aria-label="Filter by priority">
          <option value="">any priority</option>
          {JOB_PRIORITIES.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Created after</span>
        <input type="datetime-local" value={toLocalInput(filters.createdAfter)} onChange={(e) => setFilters({ createdAfter: fromLocalInput(e.target.value) })} aria-label="Created after" />
      </label>
      <label className="field">
        <span>Created before</span>
        <input type="datetime-local" value={toLocalInput(filters.createdBefore)} onChange={(e) => setFilters({ createdBefore: fromLocalInput(e.target.value) })} aria-label="Created before" />
      </label>
      <label className="field">
        <span>Sort by</span>
        <select value={filters.sort} onChange={(e) => setFilters({ sort: e.target.value as JobSortField })} aria-label="Sort by">
          {SORTS.map((s) => (
            <option key={s.value} value={s.value}>
              {s.label}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="order" onClick={() => setFilters({ order: filters.order === 'asc' ? 'desc' : 'asc' })} aria-label={`Order: ${filters.order === 'asc' ? 'ascending' : 'descending'}; switch`}>
        {filters.order === 'asc' ? '↑ ascending' : '↓ descending'}
      </button>
    </form>
  );
}
