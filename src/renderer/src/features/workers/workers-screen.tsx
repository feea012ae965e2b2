/**
 * Workers: the pool (each worker's state, current jobs, CPU and memory), manual scaling and the
 * auto-scaling bounds, backpressure with its reason, concurrency saturation and rate pools.
 */
import { memo, useEffect, useState, type JSX } from 'react';
import type { WorkerInfo } from '../../../../shared/model';
import { describeError } from '../../api/errors';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { formatDuration, formatPercent, formatTime, shortId } from '../../components/format';
import { useAppStore, useStoreApi } from '../../store/store-context';

const WorkerRow = memo(function WorkerRow({ worker }: { worker: WorkerInfo }): JSX.Element {
  const navigate = useAppStore((s) => s.ui.navigate);
  return (
    <tr>
      <th scope="row">{worker.name}</th>
      <td>{worker.pid ?? '—'}</td>
      <td>
        <span className={`badge worker-${worker.state}`}>{worker.state}</span>
      </td>
      <td>
        {worker.currentJobs.length === 0
          ? 'idle'
          : worker.currentJobs.map((id) => (
              <a key={id} href={`#/jobs/${encodeURIComponent(id)}`} className="mono job-chip" onClick={(e) => { e.preventDefault(); navigate({ name: 'job', id }); }} title={id}>
                {shortId(id)}
              </a>
            ))}
      </td>
      <td>{worker.concurrency}</td>
      <td>{formatPercent(worker.cpuPercent, 1)}</td>
      <td>{worker.memoryMb === null ? '—' : `${worker.memoryMb.toFixed(0)} MB`}</td>
      <td>
        {worker.jobsDone} done / {worker.jobsFailed} failed
      </td>
      <td>{formatTime(worker.startedAt)}</td>
    </tr>
  );
});

function Scaling(): JSX.Element {
  const store = useStoreApi();
  const count = useAppStore((s) => s.workers.list.length);
  const auto = useAppStore((s) => s.workers.governor?.autoScaling ?? null);
  const [target, setTarget] = useState('');
  const [min, setMin] = useState('');
  const [max, setMax] = useState('');
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (auto) {
      setMin(String(auto.minWorkers));
      setMax(String(auto.maxWorkers));
    }
  }, [auto?.minWorkers, auto?.maxWorkers]);
  const run = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await what();
      setError(null);
      store.getState().ui.notify('success', done);
    } catch (err) {
      setError(describeError(err));
    }
  };
  const w = store.getState().workers;
  return (
    <section className="panel" aria-labelledby="scaling-title">
      <h2 id="scaling-title">Scaling</h2>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void run(() => w.scale(Number(target)), `Scaling to ${target} workers.`); }}>
        <label className="field">
          <span>Workers now: {count}. Scale to</span>
          <input type="number" min={0} max={256} value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Number of workers" required />
        </label>
        <button type="submit">Scale</button>
      </form>
      {auto ? (
        <form className="row" onSubmit={(e) => { e.preventDefault(); void run(() => w.setAutoscale({ min: Number(min), max: Number(max) }), 'Auto-scaling bounds saved.'); }}>
          <label className="field checkbox">
            <input type="checkbox" checked={auto.enabled} onChange={(e) => void run(() => w.setAutoscale({ enabled: e.target.checked }), e.target.checked ? 'Auto-scaling on.' : 'Auto-scaling off.')} />
            <span>Auto-scaling</span>
          </label>
          <label className="field">
            <span>Minimum workers</span>
            <input type="number" min={0} max={256} value={min} onChange={(e) => setMin(e.target.value)} aria-label="Minimum workers" />
          </label>
          <label className="field">
            <span>Maximum workers</span>
            <input type="number" min={1} max={256} value={max} onChange={(e) => setMax(e.target.value)} aria-label="Maximum workers" />
          </label>
          <button type="submit">Save bounds</button>
        </form>
      ) : null}
      {auto && auto.decisions.length ? (
        <details>
          <summary>Recent auto-scaling decisions</summary>
          <ul>
            {auto.decisions.slice(-10).reverse().map((d) => (
              <li key={`${d.at}:${d.action}`}>
                {formatTime(d.at)} — {d.action} to {d.target}: {d.reason}
              </li>
            ))}
          </ul>
        </details>
      ) : null}
      <ErrorText error={error} />
    </section>
  );
}

function Governor(): JSX.Element | null {
  const g = useAppStore((s) => s.workers.governor);
  const error = useAppStore((s) => s.workers.governorError);
  if (!g) return <ErrorText error={error} />;
  const bp = g.backpressure;
  return (
    <section className="panel" aria-labelledby="bp-title">
      <h2 id="bp-title">Backpressure: {bp.engaged ? 'holding new jobs back' : 'off'}</h2>
      <p>
        {bp.engaged ? `Why: ${bp.reason ?? 'the host is busy'}${bp.since ? `, since ${formatTime(bp.since)} (${formatDuration(Date.now() - bp.since)})` : ''}.` : 'New jobs start as soon as a worker is free.'} Host CPU {formatPercent(bp.cpuPercent)} (threshold {bp.cpuThreshold} %), memory {formatPercent(bp.memoryPercent)} (threshold {bp.memoryThreshold} %).
      </p>
      <p>
        Running {g.concurrency.running}
        {g.concurrency.limit !== null ? ` of at most ${g.concurrency.limit}` : ''}.
        {g.concurrency.saturatedQueues.length ? ` Queues at their limit: ${g.concurrency.saturatedQueues.join(', ')}.` : ''}
        {g.concurrency.saturatedTypes.length ? ` Types at their limit: ${g.concurrency.saturatedTypes.join(', ')}.` : ''}
      </p>
      {Object.keys(g.throttled).length ? (
        <ul>
          {Object.entries(g.throttled).map(([what, why]) => (
            <li key={what}>
              {what}: {why}
            </li>
          ))}
        </ul>
      ) : null}
      <h3>Rate pools</h3>
      {g.pools.length === 0 ? (
        <p className="muted">No rate pools. Declare one with <code>jobhandle pools set</code> or give a job a rate pool on Submit.</p>
      ) : (
        <table className="simple-table">
          <thead>
            <tr>
              <th scope="col">Pool</th>
              <th scope="col">Per minute</th>
              <th scope="col">Burst</th>
              <th scope="col">Available</th>
              <th scope="col">Waiting</th>
              <th scope="col">Source</th>
            </tr>
          </thead>
          <tbody>
            {g.pools.map((p) => (
              <tr key={p.name}>
                <th scope="row">{p.name}</th>
                <td>{p.perMinute}</td>
                <td>{p.burst}</td>
                <td>{p.available ?? '—'}</td>
                <td>{p.waiting ?? '—'}</td>
                <td>{p.source}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** The Workers screen. */
export function WorkersScreen(): JSX.Element {
  const list = useAppStore((s) => s.workers.list);
  const loaded = useAppStore((s) => s.workers.loaded);
  const error = useAppStore((s) => s.workers.error);
  const store = useStoreApi();
  useEffect(() => {
    // Fetched once; `system:sample` events keep load, backpressure and workers current after that.
    void store.getState().workers.refreshGovernor();
  }, [store]);
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Workers</h1>
      </header>
      <Governor />
      <Scaling />
      <section className="panel" aria-labelledby="workers-title">
        <h2 id="workers-title">Worker processes</h2>
        <ErrorText error={error} />
        {loaded && list.length === 0 ? (
          <EmptyState title="No worker is running">
            <p>Workers start with the engine. Scale up above, or start one with <code>jobhandle start-worker</code>.</p>
          </EmptyState>
        ) : (
          <table className="simple-table">
            <thead>
              <tr>
                <th scope="col">Worker</th>
                <th scope="col">PID</th>
                <th scope="col">State</th>
                <th scope="col">Current jobs</th>
                <th scope="col">Slots</th>
                <th scope="col">CPU</th>
                <th scope="col">Memory</th>
                <th scope="col">Jobs</th>
                <th scope="col">Started</th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <WorkerRow key={w.name} worker={w} />
              ))}
            </tbody>
          </table>
        )}
      </section>
    </div>
  );
}
