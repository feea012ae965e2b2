/**
 * Overview: health with its issues and suggested actions, live CPU and memory charts (host and
 * workers), queue counts by status, throughput and failure rate, and the running jobs with their
 * progress. Each panel selects only what it shows; the charts redraw outside React.
 */
import { useCallback, type JSX } from 'react';
import type uPlot from 'uplot';
import { JOB_STATUSES, type JobStatus } from '../../../../shared/model';
import { describeError } from '../../api/errors';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { formatCount, formatPercent, formatRatio, formatDuration } from '../../components/format';
import { LiveTimeChart } from '../../components/time-chart';
import type { AppState } from '../../store/slice-types';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { RunningJobs } from './running-jobs';
import { QueueTable } from './queue-table';

function memoOn<K extends object, V>(compute: (key: K) => V): (key: K) => V {
  const cache = new WeakMap<K, V>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) {
      value = compute(key);
      cache.set(key, value);
    }
    return value;
  };
}

const cpuData = memoOn((s: AppState['system']['samples']): uPlot.AlignedData => [s.t, s.hostCpu, s.workersCpu]);
const memoryData = memoOn((s: AppState['system']['samples']): uPlot.AlignedData => [s.t, s.hostMemory]);
const workerMemoryData = memoOn((s: AppState['system']['samples']): uPlot.AlignedData => [s.t, s.workersMemoryMb]);
const selectCpu = (state: AppState): uPlot.AlignedData => cpuData(state.system.samples);
const selectMemory = (state: AppState): uPlot.AlignedData => memoryData(state.system.samples);
const selectWorkerMemory = (state: AppState): uPlot.AlignedData => workerMemoryData(state.system.samples);

function HealthPanel(): JSX.Element {
  const health = useAppStore((s) => s.system.health);
  const error = useAppStore((s) => s.system.error);
  if (!health) {
    return (
      <section className="panel" aria-labelledby="health-title">
        <h2 id="health-title">Health</h2>
        {error ? <ErrorText error={error} /> : <p className="muted">Checking…</p>}
      </section>
    );
  }
  return (
    <section className="panel" aria-labelledby="health-title">
      <h2 id="health-title">
        Health: <span className={`health health-${health.status}`}>{health.status}</span>
      </h2>
      {health.issues.length === 0 ? (
        <p className="muted">No issues. Every check passed.</p>
      ) : (
        <ul className="issues">
          {health.issues.map((issue) => (
            <li key={`${issue.check}:${issue.message}`} className={`issue issue-${issue.severity}`}>
              <strong>
                {issue.severity === 'critical' ? 'Critical' : 'Warning'} — {issue.check}:
              </strong>{' '}
              {issue.message}
              <div className="issue-action">What to do: {issue.action}</div>
            </li>
          ))}
        </ul>
      )}
      <ErrorText error={error} />
    </section>
  );
}

function QueueCounts(): JSX.Element {
  const stats = useAppStore((s) => s.system.stats);
  const store = useStoreApi();
  const openStatus = useCallback(
    (status: JobStatus) => {
      store.getState().jobs.setFilters({ status: [status] });
      store.getState().ui.navigate({ name: 'jobs' });
    },
    [store],
  );
  if (!stats) return <section className="panel"><h2>Queues</h2><p className="muted">Loading…</p></section>;
  const finished = stats.counts.completed + stats.counts.failed;
  return (
    <section className="panel" aria-labelledby="queues-title">
      <h2 id="queues-title">Jobs by status</h2>
      <div className="tiles">
        {JOB_STATUSES.map((status) => (
          <button key={status} type="button" className={`tile tile-${status}`} onClick={() => openStatus(status)} aria-label={`${stats.counts[status] ?? 0} ${status} jobs — show them`}>
            <span className="tile-value">{formatCount(stats.counts[status] ?? 0)}</span>
            <span className="tile-label">{status}</span>
          </button>
        ))}
      </div>
      <dl className="figures">
        <div>
          <dt>Throughput</dt>
          <dd>{formatCount(Math.round(stats.throughput_per_minute))} jobs / min</dd>
        </div>
        <div>
          <dt>Failure rate</dt>
          <dd>{finished ? formatRatio(stats.counts.failed / finished) : '—'}</dd>
        </div>
        <div>
          <dt>Workers busy</dt>
          <dd>
            {stats.busy_workers} / {stats.workers}
          </dd>
        </div>
        <div>
          <dt>Oldest waiting</dt>
          <dd>{formatDuration(stats.oldestPendingAgeMs)}</dd>
        </div>
      </dl>
      {stats.total === 0 ? (
        <EmptyState
          title="No jobs yet"
          action={
            <a href="#/submit" onClick={(e) => { e.preventDefault(); store.getState().ui.navigate({ name: 'submit' }); }}>
              Submit your first job
            </a>
          }
        >
          <p>Submit a job here, with the <code>jobhandle submit</code> command, or over the REST API; it will show up at once.</p>
        </EmptyState>
      ) : null}
      <QueueTable />
      <PausedQueues />
    </section>
  );
}

function PausedQueues(): JSX.Element | null {
  const paused = useAppStore((s) => s.system.pausedQueues);
  const setPaused = useAppStore((s) => s.system.setQueuePaused);
  const notify = useAppStore((s) => s.ui.notify);
  if (paused.length === 0) return null;
  return (
    <div className="paused" role="status">
      Paused queues:{' '}
      {paused.map((q) => (
        <button key={q} type="button" onClick={() => setPaused(q, false).catch((err: unknown) => notify('error', describeError(err)))} aria-label={`Resume queue ${q}`}>
          {q} — resume
        </button>
      ))}
    </div>
  );
}


function Charts(): JSX.Element {
  const cpu = useAppStore((s) => s.system.stats?.cpu_usage_percent ?? null);
  const mem = useAppStore((s) => s.system.stats?.memory_usage_percent ?? null);
  return (
    <section className="panel charts" aria-label="Resource usage">
      <LiveTimeChart title="CPU" summary={`host ${formatPercent(cpu)}`} series={[{ label: 'Host CPU', stroke: '#3b82f6', unit: '%' }, { label: 'Workers CPU', stroke: '#f59e0b', unit: '%' }]} select={selectCpu} />
      <LiveTimeChart title="Host memory" summary={`${formatPercent(mem)} used`} series={[{ label: 'Host memory', stroke: '#10b981', unit: '%' }]} yRange={[0, 100]} select={selectMemory} />
      <LiveTimeChart title="Workers memory" series={[{ label: 'Workers RSS', stroke: '#a855f7', unit: 'MB' }]} select={selectWorkerMemory} />
    </section>
  );
}

/** The Overview screen. */
export function OverviewScreen(): JSX.Element {
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Overview</h1>
      </header>
      <div className="overview-grid">
        <HealthPanel />
        <QueueCounts />
      </div>
      <Charts />
      <RunningJobs />
    </div>
  );
}
