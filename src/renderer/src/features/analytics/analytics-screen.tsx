/**
 * Analytics: success rate, throughput, duration and wait figures for a window; trends per bucket
 * (uPlot); per-type and per-queue breakdowns; failure groups with links to example jobs; and a
 * download button for every CSV export the engine offers.
 */
import { useEffect, useMemo, useState, type JSX } from 'react';
import type uPlot from 'uplot';
import type { GroupStats } from '../../../../shared/analytics-types';
import { CSV_EXPORT_NAMES, type CsvExportName } from '../../../../shared/contract';
import { useClient } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { formatCount, formatDuration, formatRatio, formatTime, shortId } from '../../components/format';
import { TimeChart } from '../../components/time-chart';
import type { AnalyticsRange } from '../../store/analytics-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';

const EXPORT_LABELS: Record<CsvExportName, string> = {
  jobs: 'Jobs (CSV)',
  report: 'Report by type and queue (CSV)',
  failures: 'Failure groups (CSV)',
  metrics: 'Metrics history (CSV)',
};

function GroupTable({ groups }: { groups: GroupStats[] }): JSX.Element {
  return (
    <table className="simple-table">
      <thead>
        <tr>
          <th scope="col">Group</th>
          <th scope="col">Finished</th>
          <th scope="col">Success rate</th>
          <th scope="col">Per hour</th>
          <th scope="col">Duration p50 / p95</th>
          <th scope="col">Wait p50 / p95</th>
          <th scope="col">Retries (mean)</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr key={`${g.dimension}:${g.key}`}>
            <th scope="row">{g.dimension === 'overall' ? 'All jobs' : `${g.dimension} ${g.key}`}</th>
            <td>{formatCount(g.counts.total)}</td>
            <td>{formatRatio(g.successRate)}</td>
            <td>{g.throughputPerHour.toFixed(1)}</td>
            <td>
              {formatDuration(g.duration.p50)} / {formatDuration(g.duration.p95)}
            </td>
            <td>
              {formatDuration(g.wait.p50)} / {formatDuration(g.wait.p95)}
            </td>
            <td>{g.retries.mean === null ? '—' : g.retries.mean.toFixed(2)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Exports(): JSX.Element {
  const client = useClient();
  const win = useAppStore((s) => s.analytics.window);
  const notify = useAppStore((s) => s.ui.notify);
  const [busy, setBusy] = useState<CsvExportName | null>(null);
  const download = client.downloadCsv;
  if (!download) {
    return (
      <p className="muted">
        CSV exports are downloaded from the local API server: turn it on in Settings, or run <code>jobhandle export</code>.
      </p>
    );
  }
  // In the desktop app the engine writes the file where the user chooses (exports:save).
  const verb = client.transport === 'ipc' ? 'Save' : 'Download';
  const run = async (name: CsvExportName): Promise<void> => {
    setBusy(name);
    try {
      const query: Record<string, unknown> = name === 'jobs' ? {} : win ? { from: win.from, to: win.to } : {};
      const saved = await download(name, query);
      if (saved !== false) notify('success', `${EXPORT_LABELS[name]} ${client.transport === 'ipc' ? 'saved' : 'downloaded'}.`);
    } catch (err) {
      notify('error', describeError(err));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="row" role="group" aria-label="Export as CSV">
      {CSV_EXPORT_NAMES.map((name) => (
        <button key={name} type="button" onClick={() => void run(name)} disabled={busy !== null} aria-label={`${verb} ${EXPORT_LABELS[name]}`}>
          {busy === name ? (client.transport === 'ipc' ? 'Saving…' : 'Downloading…') : `${verb} ${EXPORT_LABELS[name]}`}
        </button>
      ))}
    </div>
  );
}

/** The Analytics screen. */
export function AnalyticsScreen(): JSX.Element {
  const store = useStoreApi();
  const range = useAppStore((s) => s.analytics.range);
  const report = useAppStore((s) => s.analytics.report);
  const failures = useAppStore((s) => s.analytics.failures);
  const loading = useAppStore((s) => s.analytics.loading);
  const error = useAppStore((s) => s.analytics.error);
  const navigate = useAppStore((s) => s.ui.navigate);

  useEffect(() => {
    void store.getState().analytics.load();
  }, [store]);

  const trend = report?.overall.trend ?? [];
  const x = useMemo(() => trend.map((b) => b.start / 1000), [trend]);
  const successData = useMemo<uPlot.AlignedData>(() => [x, trend.map((b) => (b.successRate === null ? null : b.successRate * 100))], [x, trend]);
  const countData = useMemo<uPlot.AlignedData>(() => [x, trend.map((b) => b.counts.completed), trend.map((b) => b.counts.failed)], [x, trend]);
  const durationData = useMemo<uPlot.AlignedData>(() => [x, trend.map((b) => b.durationP50), trend.map((b) => b.durationP95)], [x, trend]);

  const o = report?.overall;
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Analytics</h1>
        <label className="field">
          <span>Window</span>
          <select value={range} onChange={(e) => store.getState().analytics.setRange(e.target.value as AnalyticsRange)} aria-label="Time window">
            <option value="24h">Last 24 hours</option>
            <option value="7d">Last 7 days</option>
            <option value="30d">Last 30 days</option>
          </select>
        </label>
      </header>
      <ErrorText error={error} />
      {loading && !report ? <p className="muted">Loading…</p> : null}
      {o ? (
        <>
          <section className="panel" aria-label="Summary">
            <dl className="figures">
              <div>
                <dt>Success rate</dt>
                <dd>{formatRatio(o.successRate)}</dd>
              </div>
              <div>
                <dt>Finished</dt>
                <dd>
                  {formatCount(o.counts.completed)} completed, {formatCount(o.counts.failed)} failed, {formatCount(o.counts.cancelled)} cancelled
                </dd>
              </div>
              <div>
                <dt>Throughput</dt>
                <dd>{o.throughputPerHour.toFixed(1)} jobs / hour</dd>
              </div>
              <div>
                <dt>Duration p50 / p95</dt>
                <dd>
                  {formatDuration(o.duration.p50)} / {formatDuration(o.duration.p95)}
                </dd>
              </div>
              <div>
                <dt>Wait p50 / p95</dt>
                <dd>
                  {formatDuration(o.wait.p50)} / {formatDuration(o.wait.p95)}
                </dd>
              </div>
            </dl>
          </section>
          {o.counts.total === 0 ? (
            <EmptyState title="No finished jobs in this window">
              <p>Figures appear once jobs finish. Submit a few jobs, or choose a longer window.</p>
            </EmptyState>
          ) : null}
          <section className="panel charts" aria-label="Trends">
            <TimeChart title="Success rate" series={[{ label: 'Success rate', stroke: '#10b981', unit: '%' }]} yRange={[0, 100]} data={successData} />
            <TimeChart title="Finished jobs" series={[{ label: 'Completed', stroke: '#3b82f6' }, { label: 'Failed', stroke: '#ef4444' }]} data={countData} />
            <TimeChart title="Duration (ms)" series={[{ label: 'p50', stroke: '#a855f7', unit: 'ms' }, { label: 'p95', stroke: '#f59e0b', unit: 'ms' }]} data={durationData} />
          </section>
          <section className="panel" aria-labelledby="groups-title">
            <h2 id="groups-title">By type and queue</h2>
            <GroupTable groups={[o, ...(report?.groups ?? [])]} />
          </section>
        </>
      ) : null}
      <section className="panel" aria-labelledby="failures-title">
        <h2 id="failures-title">Failures{failures ? ` (${formatCount(failures.failed)})` : ''}</h2>
        {failures && failures.groups.length === 0 ? <p className="muted">No failures in this window.</p> : null}
        {failures && failures.groups.length > 0 ? (
          <table className="simple-table">
            <thead>
              <tr>
                <th scope="col">Error</th>
                <th scope="col">Count</th>
                <th scope="col">Types</th>
                <th scope="col">Last seen</th>
                <th scope="col">Example jobs</th>
              </tr>
            </thead>
            <tbody>
              {failures.groups.map((g) => (
                <tr key={g.key}>
                  <th scope="row">
                    <span className="badge badge-failed">{g.errorClass}</span> {g.lastMessage}
                  </th>
                  <td>{formatCount(g.count)}</td>
                  <td>{g.types.join(', ')}</td>
                  <td>{formatTime(g.lastSeen)}</td>
                  <td>
                    {g.exampleJobIds.map((id) => (
                      <a key={id} className="mono job-chip" href={`#/jobs/${encodeURIComponent(id)}`} onClick={(e) => { e.preventDefault(); navigate({ name: 'job', id }); }} aria-label={`Example failed job ${id}`}>
                        {shortId(id)}
                      </a>
                    ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
      <section className="panel" aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <Exports />
      </section>
    </div>
  );
}
