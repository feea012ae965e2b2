/**
 * The running jobs on the Overview, each row with its own live progress subscription.
 */
import { memo, type JSX } from 'react';
import type { JobRecord } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { formatDuration, shortId } from '../../components/format';
import { ProgressBar } from '../../components/progress-bar';
import { useThrottledRefetch } from '../../components/use-throttled-refetch';
import { useAppStore } from '../../store/store-context';

const RunningRow = memo(function RunningRow({ job }: { job: JobRecord }): JSX.Element {
  const progress = useAppStore((s) => s.jobs.live[job.id]?.progress ?? job.progress);
  const message = useAppStore((s) => (s.jobs.live[job.id]?.message !== undefined ? s.jobs.live[job.id]?.message : job.progressMessage));
  const navigate = useAppStore((s) => s.ui.navigate);
  return (
    <li className="running-row">
      <a href={`#/jobs/${encodeURIComponent(job.id)}`} onClick={(e) => { e.preventDefault(); navigate({ name: 'job', id: job.id }); }} title={job.id}>
        {job.type} <span className="muted">{shortId(job.id)}</span>
      </a>
      <span className="muted">{job.worker ?? ''}</span>
      <span className="muted">{job.startedAt ? `running ${formatDuration(Date.now() - job.startedAt)}` : ''}</span>
      <ProgressBar value={progress} message={message ?? null} label={`Progress of ${job.type} job ${job.id}`} />
    </li>
  );
});

/** Up to 25 running jobs, refetched (throttled) when jobs start or finish. */
export function RunningJobs(): JSX.Element {
  const api = useApi();
  const changeSeq = useAppStore((s) => s.jobs.changeSeq);
  const { data, error } = useThrottledRefetch(() => api['jobs:list']({ status: ['running'], limit: 25, sort: 'updatedAt', order: 'desc' }), changeSeq, []);
  const jobs = data?.jobs ?? [];
  return (
    <section className="panel" aria-labelledby="running-title">
      <h2 id="running-title">Running jobs</h2>
      <ErrorText error={error} />
      {data && jobs.length === 0 ? (
        <EmptyState title="Nothing is running">
          <p>Jobs appear here with a progress bar while a worker runs them.</p>
        </EmptyState>
      ) : (
        <ul className="running-list">
          {jobs.map((job) => (
            <RunningRow key={job.id} job={job} />
          ))}
        </ul>
      )}
    </section>
  );
}
