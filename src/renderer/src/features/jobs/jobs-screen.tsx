/**
 * Jobs: filters and search, a virtualized table fed by cursor pages, multi-select bulk actions.
 */
import { useEffect, type JSX } from 'react';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { DEFAULT_JOB_FILTERS, type JobFilters } from '../../store/jobs-slice';
import { useAppStore } from '../../store/store-context';
import { BulkBar } from './bulk-bar';
import { JobsFilters } from './jobs-filters';
import { JobsTable } from './jobs-table';

const DEFAULT_FILTERS_JSON = JSON.stringify(DEFAULT_JOB_FILTERS);
/**
 * `12,345`: one formatter for the summary, which re-renders as each page arrives
 * (`toLocaleString` builds a new ICU formatter on every call: milliseconds in the profile).
 */
const COUNT_FORMAT = new Intl.NumberFormat('en-US');
const formatCount = (n: number): string => COUNT_FORMAT.format(n);

function onlyStatusFilter(f: JobFilters): boolean {
  return !f.text.trim() && !f.type.length && !f.queue.length && !f.priority.length && f.createdAfter === null && f.createdBefore === null;
}

function useKnownTotal(): number | null {
  return useAppStore((s) => {
    const stats = s.system.stats;
    const f = s.jobs.table.filters;
    if (!stats || !onlyStatusFilter(f)) return null;
    if (!f.status.length) return stats.total;
    return f.status.reduce((sum, st) => sum + (stats.counts[st] ?? 0), 0);
  });
}

function Summary(): JSX.Element {
  const rows = useAppStore((s) => s.jobs.table.rows.length);
  const hasMore = useAppStore((s) => s.jobs.table.nextCursor !== null);
  const added = useAppStore((s) => s.jobs.addedSinceLoad);
  const refresh = useAppStore((s) => s.jobs.refresh);
  const total = useKnownTotal();
  return (
    <div className="table-summary" role="status">
      <span>
        {total !== null ? `${formatCount(total)} jobs` : hasMore ? 'Many jobs match' : `${formatCount(rows)} jobs match`}
        {hasMore ? ` — ${formatCount(rows)} loaded, more load as you scroll` : ''}
      </span>
      {added > 0 ? (
        <button type="button" className="link-button" onClick={() => void refresh()}>
          {formatCount(added)} new since loaded — refresh
        </button>
      ) : (
        <button type="button" className="link-button" onClick={() => void refresh()}>
          Refresh
        </button>
      )}
    </div>
  );
}

/** The Jobs screen. */
export function JobsScreen(): JSX.Element {
  // One boolean, so the screen does not re-render each time a later page starts or ends loading.
  const loadingFirst = useAppStore((s) => !s.jobs.table.loaded && s.jobs.table.loading);
  const empty = useAppStore((s) => s.jobs.table.loaded && s.jobs.table.rows.length === 0);
  const error = useAppStore((s) => s.jobs.table.error);
  const filtered = useAppStore((s) => JSON.stringify(s.jobs.table.filters) !== DEFAULT_FILTERS_JSON);
  const refresh = useAppStore((s) => s.jobs.refresh);
  const setFilters = useAppStore((s) => s.jobs.setFilters);
  const navigate = useAppStore((s) => s.ui.navigate);
  const total = useKnownTotal();

  useEffect(() => {
    // Fresh rows whenever the screen opens (the filters are kept).
    void refresh();
  }, [refresh]);

  return (
    <div className="screen screen-jobs">
      <header className="screen-header">
        <h1>Jobs</h1>
        <button type="button" className="primary" onClick={() => navigate({ name: 'submit' })}>
          Submit a job
        </button>
      </header>
      <JobsFilters />
      <Summary />
      <BulkBar />
      <ErrorText error={error} />
      {empty ? (
        filtered ? (
          <EmptyState title="No job matches these filters" action={<button type="button" onClick={() => setFilters(DEFAULT_JOB_FILTERS)}>Clear all filters</button>}>
            <p>Try fewer filters or a shorter search.</p>
          </EmptyState>
        ) : (
          <EmptyState title="No jobs yet" action={<button type="button" className="primary" onClick={() => navigate({ name: 'submit' })}>Submit your first job</button>}>
            <p>Jobs you submit here, with <code>jobhandle submit</code> or over the REST API are listed here, newest first.</p>
          </EmptyState>
        )
      ) : (
        <JobsTable total={total ?? 0} />
      )}
      {loadingFirst ? <p className="muted">Loading jobs…</p> : null}
    </div>
  );
}
