/**
 * Schedules: each with its trigger, zone, next run, last outcome and misfire/overlap policies;
 * pause, resume, edit (trigger and policies, with a preview), delete (confirmed), run now.
 */
import { useEffect, useState, type JSX } from 'react';
import type { ScheduleView } from '../../../../shared/schedule-types';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { EmptyState } from '../../components/empty-state';
import { ErrorText } from '../../components/error-text';
import { formatTime, formatZoned, shortId } from '../../components/format';
import { StatusBadge } from '../../components/status-badge';
import { useThrottledRefetch } from '../../components/use-throttled-refetch';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { draftToTrigger, ScheduleFields, type ScheduleDraft } from '../submit/schedule-fields';

function describeTrigger(s: ScheduleView): string {
  const d = s.definition;
  if (d.cronExpression) return `cron ${d.cronExpression}`;
  if (d.intervalSeconds) return `every ${d.intervalSeconds} s`;
  return `once at ${formatTime(d.scheduledTime ?? null)}`;
}

function toDraft(s: ScheduleView): ScheduleDraft {
  const d = s.definition;
  const local = d.scheduledTime ? new Date(d.scheduledTime - new Date(d.scheduledTime).getTimezoneOffset() * 60_000).toISOString().slice(0, 16) : '';
  return {
    kind: d.cronExpression ? 'cron' : d.intervalSeconds ? 'interval' : 'once',
    cronExpression: d.cronExpression ?? '*/5 * * * *',
    intervalSeconds: String(d.intervalSeconds ?? 300),
    runAt: local,
    timezone: d.timezone,
    misfirePolicy: d.misfirePolicy,
    overlapPolicy: d.overlapPolicy,
  };
}

function LastOutcome({ schedule }: { schedule: ScheduleView }): JSX.Element {
  const api = useApi();
  const navigate = useAppStore((s) => s.ui.navigate);
  const { data } = useThrottledRefetch(
    async () => {
      if (schedule.state.lastFireAt === null) return null;
      const detail = await api['schedules:get']({ id: schedule.id });
      const last = detail.fires[0];
      return last ? api['jobs:get']({ id: last.jobId }) : null;
    },
    `${schedule.state.lastFireAt}:${schedule.state.runs}`,
    [schedule.id],
    2000,
  );
  if (schedule.state.lastFireAt === null) return <span className="muted">never ran</span>;
  if (!data) return <span className="muted">{formatTime(schedule.state.lastFireAt)}</span>;
  return (
    <a href={`#/jobs/${encodeURIComponent(data.id)}`} onClick={(e) => { e.preventDefault(); navigate({ name: 'job', id: data.id }); }} aria-label={`Last run: job ${data.id}, ${data.status}`}>
      <StatusBadge status={data.status} /> <span className="muted">{shortId(data.id)}</span>
    </a>
  );
}

function EditSchedule({ schedule, onDone }: { schedule: ScheduleView; onDone(): void }): JSX.Element {
  const store = useStoreApi();
  const [draft, setDraft] = useState(() => toDraft(schedule));
  const [error, setError] = useState<string | null>(null);
  const save = async (): Promise<void> => {
    try {
      await store.getState().schedules.update(schedule.id, draftToTrigger(draft));
      store.getState().ui.notify('success', 'Schedule saved.');
      onDone();
    } catch (err) {
      setError(describeError(err));
    }
  };
  return (
    <div className="edit-schedule" role="group" aria-label={`Edit schedule ${schedule.definition.name ?? schedule.id}`}>
      <ScheduleFields draft={draft} onChange={setDraft} type={schedule.definition.type} />
      <ErrorText error={error} />
      <div className="form-actions">
        <button type="button" className="primary" onClick={() => void save()}>
          Save schedule
        </button>
        <button type="button" onClick={onDone}>
          Discard changes
        </button>
      </div>
    </div>
  );
}

function ScheduleRow({ schedule }: { schedule: ScheduleView }): JSX.Element {
  const store = useStoreApi();
  const [editing, setEditing] = useState(false);
  const [deleting, setDeleting] = useState(false);
  const name = schedule.definition.name ?? `${schedule.definition.type} ${shortId(schedule.id)}`;
  const run = async (what: () => Promise<unknown>, done: string): Promise<void> => {
    try {
      await what();
      store.getState().ui.notify('success', done);
    } catch (err) {
      store.getState().ui.notify('error', describeError(err));
    }
  };
  const s = store.getState().schedules;
  const paused = schedule.state.paused;
  return (
    <>
      <tr>
        <th scope="row">{name}</th>
        <td>{schedule.definition.type}</td>
        <td className="mono">{describeTrigger(schedule)}</td>
        <td>{schedule.definition.timezone}</td>
        <td>{paused ? 'paused' : schedule.nextFire ? formatZoned(schedule.nextFire.local) : schedule.state.endedReason ? `ended (${schedule.state.endedReason})` : '—'}</td>
        <td>
          <LastOutcome schedule={schedule} />
        </td>
        <td>
          {schedule.definition.misfirePolicy} / {schedule.definition.overlapPolicy}
        </td>
        <td>{schedule.state.runs}</td>
        <td className="row-actions">
          {paused ? (
            <button type="button" onClick={() => void run(() => s.resume(schedule.id), 'Schedule resumed.')} aria-label={`Resume ${name}`}>
              Resume
            </button>
          ) : (
            <button type="button" onClick={() => void run(() => s.pause(schedule.id), 'Schedule paused.')} aria-label={`Pause ${name}`}>
              Pause
            </button>
          )}
          <button type="button" onClick={() => void run(() => s.runNow(schedule.id), 'A run was started.')} aria-label={`Run ${name} now`}>
            Run now
          </button>
          <button type="button" onClick={() => setEditing((v) => !v)} aria-expanded={editing} aria-label={`Edit ${name}`}>
            Edit
          </button>
          <button type="button" className="danger" onClick={() => setDeleting(true)} aria-label={`Delete ${name}`}>
            Delete
          </button>
          {deleting ? (
            <ConfirmDialog title={`Delete schedule ${name}?`} confirmLabel="Delete schedule" danger onCancel={() => setDeleting(false)} onConfirm={() => void run(() => s.remove(schedule.id), 'Schedule deleted.').then(() => setDeleting(false))}>
              <p>No new runs will be created. Jobs it already created stay.</p>
            </ConfirmDialog>
          ) : null}
        </td>
      </tr>
      {editing ? (
        <tr>
          <td colSpan={9}>
            <EditSchedule schedule={schedule} onDone={() => setEditing(false)} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** The Schedules screen. */
export function SchedulesScreen(): JSX.Element {
  const list = useAppStore((s) => s.schedules.list);
  const loaded = useAppStore((s) => s.schedules.loaded);
  const error = useAppStore((s) => s.schedules.error);
  const hasMore = useAppStore((s) => s.schedules.nextCursor !== null);
  const changeSeq = useAppStore((s) => s.jobs.changeSeq);
  const store = useStoreApi();
  useEffect(() => {
    const timer = setTimeout(() => void store.getState().schedules.refresh(), changeSeq === 0 ? 0 : 1500);
    return () => clearTimeout(timer);
  }, [store, changeSeq]);
  const navigate = useAppStore((s) => s.ui.navigate);
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Schedules</h1>
        <button type="button" className="primary" onClick={() => navigate({ name: 'submit' })}>
          New schedule
        </button>
      </header>
      <ErrorText error={error} />
      {loaded && list.length === 0 && !error ? (
        <EmptyState title="No schedules yet" action={<button type="button" className="primary" onClick={() => navigate({ name: 'submit' })}>Create a schedule</button>}>
          <p>A schedule runs a job repeatedly — on a cron expression in a time zone you choose, or every N seconds. On Submit, pick "On a schedule".</p>
        </EmptyState>
      ) : (
        <section className="panel">
        <table className="simple-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Type</th>
              <th scope="col">Trigger</th>
              <th scope="col">Zone</th>
              <th scope="col">Next run</th>
              <th scope="col">Last outcome</th>
              <th scope="col">Misfire / overlap</th>
              <th scope="col">Runs</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {list.map((s) => (
              <ScheduleRow key={s.id} schedule={s} />
            ))}
          </tbody>
        </table>
        </section>
      )}
      {hasMore ? (
        <button type="button" onClick={() => void store.getState().schedules.loadMore()}>
          Show more schedules
        </button>
      ) : null}
    </div>
  );
}
