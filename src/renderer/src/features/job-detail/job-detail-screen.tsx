/**
 * Job detail: status and live progress, actions (cancel, restart, duplicate as a new job), timing
 * and resource usage, parameters and result as JSON, the error with its stack, attempt history,
 * log tail, and dependencies/dependents as a small graph.
 */
import { useEffect, useState, type JSX } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { isTerminalStatus, type JobRecord, type JobSubmission } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { ErrorText } from '../../components/error-text';
import { formatDuration, formatTime, jobDuration } from '../../components/format';
import { JsonViewer } from '../../components/json-viewer';
import { ProgressBar } from '../../components/progress-bar';
import { StatusBadge } from '../../components/status-badge';
import { useThrottledRefetch } from '../../components/use-throttled-refetch';
import { mergeLive } from '../../store/jobs-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { DependencyGraph } from './dependency-graph';
import { LogTail } from './log-tail';

/** The submission that would create this job again (same type, parameters and options). */
export function duplicateSubmission(job: JobRecord): JobSubmission {
  return {
    type: job.type,
    parameters: job.parameters,
    queue: job.queue,
    priority: job.priority,
    timeoutSeconds: job.timeoutSeconds,
    maxRetries: job.maxRetries,
    retryDelaySeconds: job.retryDelaySeconds,
    limits: job.limits,
    ...(job.dependencies.length ? { dependencies: job.dependencies } : {}),
  };
}

function Actions({ job }: { job: JobRecord }): JSX.Element {
  const store = useStoreApi();
  const api = useApi();
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const act = async (what: 'cancel' | 'restart'): Promise<void> => {
    const { jobs, ui } = store.getState();
    setBusy(true);
    try {
      const updated = what === 'cancel' ? await api['jobs:cancel']({ id: job.id }) : await api['jobs:restart']({ id: job.id });
      jobs.putJob(updated);
      ui.notify('success', what === 'cancel' ? (updated.cancelRequested && !isTerminalStatus(updated.status) ? 'Cancel requested; the job stops shortly.' : 'Job cancelled.') : 'Job restarted.');
    } catch (err) {
      ui.notify('error', describeError(err));
    } finally {
      setBusy(false);
      setConfirm(false);
    }
  };
  const duplicate = (): void => {
    const { ui } = store.getState();
    ui.setSubmitDraft(duplicateSubmission(job));
    ui.navigate({ name: 'submit' });
  };
  const terminal = isTerminalStatus(job.status);
  return (
    <div className="actions" role="toolbar" aria-label="Job actions">
      {!terminal ? (
        <button type="button" className="danger" onClick={() => setConfirm(true)} disabled={busy || job.cancelRequested}>
          {job.cancelRequested ? 'Cancelling…' : 'Cancel job'}
        </button>
      ) : null}
      {job.status === 'failed' || job.status === 'cancelled' ? (
        <button type="button" onClick={() => void act('restart')} disabled={busy}>
          Restart job
        </button>
      ) : null}
      <button type="button" onClick={duplicate}>
        Duplicate as new job
      </button>
      {confirm ? (
        <ConfirmDialog title="Cancel this job?" confirmLabel="Cancel job" danger busy={busy} onCancel={() => setConfirm(false)} onConfirm={() => void act('cancel')}>
          <p>{job.status === 'running' ? 'The job is stopped where it is; its worker kills the process.' : 'The job will not run.'}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

function Attempts({ id, changeKey }: { id: string; changeKey: string }): JSX.Element {
  const api = useApi();
  const { data, error } = useThrottledRefetch(() => api['jobs:attempts']({ id }), changeKey, [id], 500);
  return (
    <section className="panel" aria-labelledby="attempts-title">
      <h2 id="attempts-title">Attempts</h2>
      <ErrorText error={error} />
      {data && data.length === 0 ? <p className="muted">Not started yet.</p> : null}
      {data && data.length > 0 ? (
        <table className="simple-table">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Started</th>
              <th scope="col">Duration</th>
              <th scope="col">Worker</th>
              <th scope="col">Outcome</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {data.map((a) => (
              <tr key={a.attempt}>
                <td>{a.attempt}</td>
                <td>{formatTime(a.startedAt)}</td>
                <td>{formatDuration(a.durationMs)}</td>
                <td>{a.worker ?? '—'}</td>
                <td>{a.outcome}</td>
                <td>
                  {a.error ? (
                    <details>
                      <summary>
                        {a.error.class}: {a.error.message}
                      </summary>
                      {a.error.stack ? <pre className="stack">{a.error.stack}</pre> : <p className="muted">No stack.</p>}
                    </details>
                  ) : (
                    '—'
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function Dependencies({ id, changeKey }: { id: string; changeKey: string }): JSX.Element {
  const api = useApi();
  const { data, error } = useThrottledRefetch(() => api['jobs:dependencies']({ id }), changeKey, [id], 1000);
  return (
    <section className="panel" aria-labelledby="deps-title">
      <h2 id="deps-title">Dependencies</h2>
      <ErrorText error={error} />
      {data ? <DependencyGraph view={data} /> : null}
    </section>
  );
}

function Figures({ job }: { job: JobRecord }): JSX.Element {
  const m = job.metrics;
  const rows: Array<[string, string]> = [
    ['Created', formatTime(job.createdAt)],
    ['Runs at', formatTime(job.runAt)],
    ['Started', formatTime(job.startedAt)],
    ['Finished', formatTime(job.finishedAt)],
    ['Duration', formatDuration(m.durationMs ?? jobDuration(job.startedAt, job.finishedAt, Date.now()))],
    ['Waited', formatDuration(m.waitMs)],
    ['Attempts', `${job.attempts} of ${job.maxRetries + 1}`],
    ['Timeout', formatDuration(job.timeoutSeconds * 1000)],
    ['Queue', job.queue],
    ['Priority', job.priority],
    ['Worker', job.worker ?? '—'],
    ['CPU', m.cpuPercent !== undefined ? `${m.cpuPercent.toFixed(1)} %` : '—'],
    ['Peak memory', m.peakMemoryMb !== undefined ? `${m.peakMemoryMb.toFixed(1)} MB` : '—'],
    ['API calls', m.apiCalls !== undefined ? String(m.apiCalls) : '—'],
    ['Limits', Object.keys(job.limits).length ? Object.entries(job.limits).map(([k, v]) => `${k} ${String(v)}`).join(', ') : 'defaults'],
  ];
  if (job.scheduleId) rows.push(['Schedule', job.scheduleId]);
  return (
    <section className="panel" aria-labelledby="figures-title">
      <h2 id="figures-title">Timing and resources</h2>
      <dl className="kv">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function LiveProgress({ job }: { job: JobRecord }): JSX.Element {
  const progress = useAppStore((s) => s.jobs.live[job.id]?.progress ?? job.progress);
  const message = useAppStore((s) => {
    const l = s.jobs.live[job.id];
    return l && l.message !== undefined ? l.message : job.progressMessage;
  });
  return (
    <section className="panel" aria-label="Progress">
      <ProgressBar value={progress} message={message} label="Job progress" />
      {message ? <p className="muted">{message}</p> : null}
    </section>
  );
}

/** The detail screen of job `id`. */
export function JobDetailScreen({ id }: { id: string }): JSX.Element {
  const record = useAppStore((s) => s.jobs.details[id]);
  // Everything events change except progress (the progress panel subscribes to that alone).
  const live = useAppStore(
    useShallow((s) => {
      const l = s.jobs.live[id];
      return l ? { status: l.status, worker: l.worker, attempts: l.attempts, startedAt: l.startedAt, finishedAt: l.finishedAt, error: l.error, at: 0 } : undefined;
    }),
  );
  const loadJob = useAppStore((s) => s.jobs.loadJob);
  const navigate = useAppStore((s) => s.ui.navigate);
  const [error, setError] = useState<string | null>(null);
  const liveStatus = live?.status;

  useEffect(() => {
    loadJob(id).then(
      () => setError(null),
      (err: unknown) => setError(describeError(err)),
    );
  }, [id, liveStatus, loadJob]);

  if (!record) {
    return (
      <div className="screen">
        <header className="screen-header">
          <h1>Job {id}</h1>
        </header>
        {error ? <ErrorText error={error} /> : <p className="muted">Loading…</p>}
        <button type="button" onClick={() => navigate({ name: 'jobs' })}>
          Back to jobs
        </button>
      </div>
    );
  }
  const job = mergeLive(record, live);
  const changeKey = `${job.status}:${job.attempts}`;
  return (
    <div className="screen">
      <header className="screen-header">
        <div>
          <a href="#/jobs" className="back" onClick={(e) => { e.preventDefault(); navigate({ name: 'jobs' }); }}>
            ← Jobs
          </a>
          <h1>
            {job.type} job <span className="mono">{job.id}</span> <StatusBadge status={job.status} />
          </h1>
        </div>
        <Actions job={job} />
      </header>
      <ErrorText error={error} />
      <LiveProgress job={job} />
      {job.error ? (
        <section className="panel panel-error" aria-labelledby="error-title">
          <h2 id="error-title">Error ({job.error.class}{job.error.code ? `, ${job.error.code}` : ''})</h2>
          <p>{job.error.message}</p>
          {job.error.stack ? (
            <details>
              <summary>Stack trace</summary>
              <pre className="stack">{job.error.stack}</pre>
            </details>
          ) : null}
        </section>
      ) : null}
      <div className="two-columns">
        <Figures job={job} />
        <section className="panel" aria-labelledby="params-title">
          <h2 id="params-title">Parameters</h2>
          <JsonViewer value={job.parameters} label="Parameters" />
          <h2>Result</h2>
          {job.result === null || job.result === undefined ? <p className="muted">{isTerminalStatus(job.status) ? 'No result.' : 'Not finished yet.'}</p> : <JsonViewer value={job.result} label="Result" />}
        </section>
      </div>
      <LogTail id={job.id} live={!isTerminalStatus(job.status)} />
      <Attempts id={job.id} changeKey={changeKey} />
      <Dependencies id={job.id} changeKey={changeKey} />
    </div>
  );
}
