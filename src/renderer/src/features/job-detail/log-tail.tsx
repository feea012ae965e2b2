/**
 * The tail of a job's log. Stored lines are fetched once when the job opens (and once more when
 * it finishes, to pick up lines a burst left out of the pushed stream); while it runs, new lines
 * arrive as `job:log` events into the store (jobs.liveLog) — nothing is polled.
 */
import { useEffect, useMemo, useRef, useState, type JSX } from 'react';
import type { JobLogLine } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { ErrorText } from '../../components/error-text';
import { formatTime } from '../../components/format';
import { useAppStore, useStoreApi } from '../../store/store-context';

const KEEP_LINES = 2000;

interface ShownLine {
  key: string;
  ts: number;
  stream: JobLogLine['stream'];
  line: string;
}

/** The log of job `id`; `live` while it runs (pushed lines shown as they come). */
export function LogTail({ id, live }: { id: string; live: boolean }): JSX.Element {
  const api = useApi();
  const store = useStoreApi();
  const [stored, setStored] = useState<JobLogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const pushed = useAppStore((s) => (s.jobs.liveLog.id === id ? s.jobs.liveLog.lines : null));
  const boxRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    store.getState().jobs.watchLog(id);
    return () => {
      if (store.getState().jobs.liveLog.id === id) store.getState().jobs.watchLog(null);
    };
  }, [store, id]);

  useEffect(() => {
    let stopped = false;
    api['jobs:logs']({ id, afterSeq: 0, limit: 10_000 }).then(
      (lines) => {
        if (stopped) return;
        setStored(lines.slice(-KEEP_LINES));
        setError(null);
      },
      (err: unknown) => {
        if (!stopped) setError(describeError(err));
      },
    );
    return () => {
      stopped = true;
    };
  }, [api, id, live]);

  const lines = useMemo<ShownLine[]>(() => {
    const out: ShownLine[] = stored.map((l) => ({ key: `s${l.seq}`, ts: l.ts, stream: l.stream, line: l.line }));
    // A pushed line that was also fetched (stored before the fetch answered) is shown once.
    const seen = new Map<string, number>();
    for (const l of stored) seen.set(`${l.ts}\u0000${l.line}`, (seen.get(`${l.ts}\u0000${l.line}`) ?? 0) + 1);
    for (const l of pushed ?? []) {
      const k = `${l.ts}\u0000${l.line}`;
      const n = seen.get(k) ?? 0;
      if (n > 0) seen.set(k, n - 1);
      else out.push({ key: `p${l.key}`, ts: l.ts, stream: l.stream, line: l.line });
    }
    return out.slice(-KEEP_LINES);
  }, [stored, pushed]);

  useEffect(() => {
    const box = boxRef.current;
    if (box) box.scrollTop = box.scrollHeight;
  }, [lines]);

  return (
    <section className="panel" aria-labelledby="log-title">
      <h2 id="log-title">Log{live ? ' (live)' : ''}</h2>
      <ErrorText error={error} />
      {lines.length === 0 ? (
        <p className="muted">{live ? 'No output yet.' : 'This job wrote no log lines.'}</p>
      ) : (
        <pre className="log" ref={boxRef} role="log" aria-label="Job log" tabIndex={0}>
          {lines.map((l) => (
            <div key={l.key} className={`log-line log-${l.stream}`}>
              <span className="log-ts">{formatTime(l.ts)}</span> {l.line}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}
