/**
 * Jobs per queue by status, from the pushed `system:sample` (system.queueCounts); shown when
 * there is more than the default queue or when a queue has jobs.
 */
import type { JSX } from 'react';
import { JOB_STATUSES } from '../../../../shared/model';
import { formatCount } from '../../components/format';
import { useAppStore } from '../../store/store-context';

/** The per-queue table; nothing until the first sample arrived. */
export function QueueTable(): JSX.Element | null {
  const queues = useAppStore((s) => s.system.queueCounts);
  if (!queues || Object.keys(queues).length === 0) return null;
  const names = Object.keys(queues).sort();
  return (
    <table className="simple-table" aria-label="Jobs per queue">
      <thead>
        <tr>
          <th scope="col">Queue</th>
          {JOB_STATUSES.map((s) => (
            <th key={s} scope="col">
              {s}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {names.map((q) => (
          <tr key={q}>
            <th scope="row">{q}</th>
            {JOB_STATUSES.map((s) => (
              <td key={s}>{formatCount(queues[q]?.[s] ?? 0)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
