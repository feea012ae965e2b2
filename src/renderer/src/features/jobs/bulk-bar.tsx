/**
 * Bulk actions on the selected jobs, each behind a confirmation that says how many jobs it
 * affects; the outcome (done, and why the rest was not) is reported in plain words.
 */
import { useState, type JSX } from 'react';
import { describeError } from '../../api/errors';
import { ConfirmDialog } from '../../components/confirm-dialog';
import type { BulkAction } from '../../store/jobs-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';

const WORDS: Record<BulkAction, { verb: string; done: string; explain: string }> = {
  cancel: { verb: 'Cancel', done: 'Cancelled', explain: 'Waiting jobs will not run; running ones are stopped. Finished jobs are left as they are.' },
  restart: { verb: 'Restart', done: 'Restarted', explain: 'Failed and cancelled jobs run again from the start; other jobs are left as they are.' },
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
  const [busy, setBusy] = useState(false);
  if (count === 0 && pending === null) return null;

  const run = async (action: BulkAction): Promise<void> => {
    const { jobs, ui } = store.getState();
    const ids = Object.keys(jobs.selected);
    setBusy(true);
    try {
      const result = await jobs.bulk(action, ids);
      const words = WORDS[action];
      ui.notify('success', `${words.done} ${plural(result.done.length)}.`);
      if (result.failed.length) {
        const first = result.failed[0]!;
        ui.notify('error', `${plural(result.failed.length)} could not be ${action === 'cancel' ? 'cancelled' : 'restarted'}; for example ${first.id}: ${describeError(first.error)}`);
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
      <button type="button" className="link-button" onClick={clear}>
        Clear selection
      </button>
      {pending ? (
        <ConfirmDialog
          title={`${WORDS[pending].verb} ${plural(count)}?`}
          confirmLabel={`${WORDS[pending].verb} ${plural(count)}`}
          danger={pending === 'cancel'}
          busy={busy}
          onCancel={() => setPending(null)}
          onConfirm={() => void run(pending)}
        >
          <p>{WORDS[pending].explain}</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
