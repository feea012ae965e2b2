/**
 * The tail of a job's log. Logs have no event of their own, so while the job runs the tail asks
 * for lines after the last one it has, once a second; it stops when the job is finished.
 */
import { useEffect, useRef, useState, type JSX } from 'react';
import type { JobLogLine } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { ErrorText } from '../../components/error-text';
import { formatTime } from '../../components/format';

const KEEP_LINES = 2000;

/** The log of job `id`; polls while `live` is true. */
export function LogTail({ id, live }: { id: string; live: boolean }): JSX.Element {
  const api = useApi();
  const [lines, setLines] = useState<JobLogLine[]>([]);
  const [error, setError] = useState<string | null>(null);
  const lastSeq = useRef(0);
  const boxRef = useRef<HTMLPreElement>(null);

  useEffect(() => {
    lastSeq.current = 0;
    setLines([]);
  }, [id]);

  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const more = await api['jobs:logs']({ id, afterSeq: lastSeq.current, limit: 1000 });
        if (stopped) return;
        if (more.length) {
          lastSeq.current = more[more.length - 1]!.seq;
          setLines((prev) => prev.concat(more).slice(-KEEP_LINES));
        }
        setError(null);
      } catch (err) {
        if (!stopped) setError(describeError(err));
      }
      if (!stopped && live) timer = setTimeout(() => void poll(), 1000);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [api, id, live]);

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
            <div key={l.seq} className={`log-line log-${l.stream}`}>
              <span className="log-ts">{formatTime(l.ts)}</span> {l.line}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}
