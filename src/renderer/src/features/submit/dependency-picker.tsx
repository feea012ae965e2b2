/**
 * Pick the jobs a new job waits for: search jobs by text, add them with a trigger (success,
 * completion or failure), remove them again.
 */
import { useEffect, useState, type JSX } from 'react';
import { DEPENDENCY_TRIGGERS, type JobDependency, type JobRecord } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { shortId } from '../../components/format';

export interface DependencyPickerProps {
  value: JobDependency[];
  onChange(value: JobDependency[]): void;
}

/** The picker. */
export function DependencyPicker({ value, onChange }: DependencyPickerProps): JSX.Element {
  const api = useApi();
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<JobRecord[]>([]);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const text = query.trim();
    if (!text) {
      setFound([]);
      return undefined;
    }
    let stale = false;
    const timer = setTimeout(() => {
      api['jobs:list']({ text, limit: 8 }).then(
        (page) => !stale && (setFound(page.jobs), setError(null)),
        (err: unknown) => !stale && setError(describeError(err)),
      );
    }, 300);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, query]);

  const add = (jobId: string): void => {
    if (!value.some((d) => d.jobId === jobId)) onChange([...value, { jobId, trigger: 'success' }]);
  };

  return (
    <fieldset className="dependency-picker">
      <legend>Dependencies</legend>
      <p className="muted">The job waits until these jobs reach the chosen outcome.</p>
      {value.length ? (
        <ul className="dep-list">
          {value.map((d, i) => (
            <li key={d.jobId}>
              <span className="mono" title={d.jobId}>
                {d.jobId}
              </span>
              <select value={d.trigger} aria-label={`Trigger for ${d.jobId}`} onChange={(e) => onChange(value.map((x, j) => (j === i ? { ...x, trigger: e.target.value as JobDependency['trigger'] } : x)))}>
                {DEPENDENCY_TRIGGERS.map((t) => (
                  <option key={t} value={t}>
                    when it {t === 'success' ? 'succeeds' : t === 'failure' ? 'fails' : 'finishes (any outcome)'}
                  </option>
                ))}
              </select>
              <button type="button" className="link-button" aria-label={`Remove dependency ${d.jobId}`} onClick={() => onChange(value.filter((_, j) => j !== i))}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <label className="field">
        <span>Find a job (id or text)</span>
        <input type="search" value={query} onChange={(e) => setQuery(e.target.value)} aria-label="Find a job to depend on" />
      </label>
      {error ? <p className="error-text" role="alert">{error}</p> : null}
      {found.length ? (
        <ul className="found-list" aria-label="Matching jobs">
          {found.map((job) => (
            <li key={job.id}>
              <button type="button" onClick={() => add(job.id)} aria-label={`Depend on job ${job.id}`}>
                + {job.type} {shortId(job.id)} <span className="muted">({job.status})</span>
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </fieldset>
  );
}
