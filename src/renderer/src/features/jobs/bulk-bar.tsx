/**
 * Bulk actions on the selected jobs (cancel, restart, delete, change priority), each behind a
 * confirmation that says how many jobs it affects; the outcome (done, and why the rest was not)
 * is reported in plain words.
 */
import { useState, type JSX } from 'react';
import { JOB_PRIORITIES, type JobPriority } from '../../../../shared/model';
import { describeError } from '../../api/errors';
import { ConfirmDialog } from '../../components/confirm-dialog';
import type { BulkAction } from '../../store/jobs-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';

const WORDS: Record<BulkAction, { verb: string; done: string; failed: string; explain: string }> = {
  cancel: { verb: 'Cancel', done: 'Cancelled', failed: 'cancelled', explain: 'Waiting jobs will not run; running ones are stopped. Finished jobs are left as they are.' },
  restart: { verb: 'Restart', done: 'Restarted', failed: 'restarted', explain: 'Failed and cancelled jobs run again from the start; other jobs are left as they are.' },
  delete: {
    verb: 'Delete',
    done: 'Deleted',
    failed: 'deleted',
    explain: 'Finished jobs (completed, failed, cancelled) are deleted for good with their logs and attempt history. Waiting and running jobs are left as they are: cancel them first.',
  },
  priority: {
    verb: 'Change priority of',
    done: 'Changed the priority of',
    failed: 're-prioritized',
    explain: 'Waiting jobs (pending, scheduled, retrying, waiting for dependencies) take the new priority and are picked in that order; running and finished jobs are left as they are.',
  },
};

function plural(n: number): string {
  return `${n.toLocaleString('en-US')} job${n === 1 ? '' : 's'}`;
}

/** The bar shown while jobs are selected. */
export function BulkBar(): JSX.Element | null {
  const count = useAppStore((s) => Object.keys(s.jobs.selected).length);
  const clear = useAppStore((s) => s.jobs.clearSelection);
  const store = useStoreApi();
  const [pending, setPending] = useState<BulkAction | null>(null);
  const [priority, setPriority] = useState<JobPriority>('HIGH');
  const [busy, setBusy] = useState(false);
  if (count === 0 && pending === null) return null;

  const run = async (action: BulkAction): Promise<void> => {
    const { jobs, ui } = store.getState();
    const ids = Object.keys(jobs.selected);
    setBusy(true);
    try {
      const result = await jobs.bulk(action, ids, priority);
      const words = WORDS[action];
      ui.notify('success', `${words.done} ${plural(result.done.length)}${action === 'priority' ? ` to ${priority}` : ''}.`);
      if (result.failed.length) {
        const first = result.failed[0]!;
        ui.notify('error', `${plural(result.failed.length)} could not be ${words.failed}; for example ${first.id}: ${describeError(first.error)}`);
      }
    } catch (err) {
      ui.notify('error', describeError(err));
    } finally {
      setBusy(false);
      setPending(null);
    }
  };

  return (
    <div className="bulk-bar" role="toolbar" aria-label="Bulk actions">
      <span>{plural(count)} selected</span>
      <button type="button" className="danger" onClick={() => setPending('cancel')}>
        Cancel selected…
      </button>
      <button type="button" onClick={() => setPending('restart')}>
        Restart selected…
      </button>
      <button type="button" onClick={() => setPending('priority')}>
        Change priority…
      </button>
      <button type="button" className="danger" onClick={() => setPending('delete')}>
        Delete selected…
      </button>
      <button type="button" className="link-button" onClick={clear}>
        Clear selection
      </button>
      {pending ? (
        <ConfirmDialog
          title={`${WORDS[pending].verb} ${plural(count)}?`}
          confirmLabel={`${WORDS[pending].verb} ${plural(count)}`}
          danger={pending === 'cancel' || pending === 'delete'}
          busy={busy}
          onCancel={() => setPending(null)}
          onConfirm={() => void run(pending)}
        >
          <p>{WORDS[pending].explain}</p>
          {pending === 'priority' ? (
            <label>
              New priority{' '}
              <select value={priority} onChange={(e) => setPriority(e.target.value as JobPriority)}>
                {JOB_PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
