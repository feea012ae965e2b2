/**
 * Submit: a job now, at a time, or on a repeating schedule (cron with zone, or an interval) with a
 * preview of its next runs. Parameters are JSON checked as you type; the engine's validation
 * errors are shown naming the field.
 */
import { useEffect, useState, type FormEvent, type JSX } from 'react';
import { JOB_PRIORITIES, type JobDependency, type JobPriority, type JobSubmission, type ResourceLimits } from '../../../../shared/model';
import { useApi } from '../../api/api-context';
import { describeError } from '../../api/errors';
import { formatZoned } from '../../components/format';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { DependencyPicker } from './dependency-picker';
import { PARAMETER_EXAMPLES, ParametersEditor, parseParameters } from './parameters-editor';
import { draftToTrigger, emptyScheduleDraft, ScheduleFields, type ScheduleDraft } from './schedule-fields';

type When = 'now' | 'at' | 'repeat';

interface Form {
  type: string;
  parameters: string;
  queue: string;
  priority: JobPriority;
  timeoutSeconds: string;
  maxRetries: string;
  retryDelaySeconds: string;
  maxCpuPercent: string;
  maxMemoryMb: string;
  ratePool: string;
  dependencies: JobDependency[];
  when: When;
  runAt: string;
  schedule: ScheduleDraft;
  name: string;
}

function emptyForm(type: string): Form {
  return {
    type,
    parameters: PARAMETER_EXAMPLES[type] ?? '{}',
    queue: '',
    priority: 'NORMAL',
    timeoutSeconds: '',
    maxRetries: '',
    retryDelaySeconds: '',
    maxCpuPercent: '',
    maxMemoryMb: '',
    ratePool: '',
    dependencies: [],
    when: 'now',
    runAt: '',
    schedule: { ...emptyScheduleDraft(), kind: 'cron' },
    name: '',
  };
}

function fromDraft(draft: JobSubmission): Form {
  const f = emptyForm(draft.type);
  return {
    ...f,
    parameters: JSON.stringify(draft.parameters ?? {}, null, 2),
    queue: draft.queue ?? '',
    priority: (draft.priority as JobPriority | undefined) ?? 'NORMAL',
    timeoutSeconds: draft.timeoutSeconds !== undefined ? String(draft.timeoutSeconds) : '',
    maxRetries: draft.maxRetries !== undefined ? String(draft.maxRetries) : '',
    retryDelaySeconds: draft.retryDelaySeconds !== undefined ? String(draft.retryDelaySeconds) : '',
    maxCpuPercent: draft.limits?.maxCpuPercent !== undefined ? String(draft.limits.maxCpuPercent) : '',
    maxMemoryMb: draft.limits?.maxMemoryMb !== undefined ? String(draft.limits.maxMemoryMb) : '',
    ratePool: draft.limits?.ratePool ?? '',
    dependencies: (draft.dependencies ?? []).map((d) => ({ jobId: d.jobId, trigger: d.trigger ?? 'success' })),
  };
}

const num = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text));

/** The job options shared by a one-off job and a schedule's template. */
function jobOptions(f: Form, parameters: Record<string, unknown>): Record<string, unknown> {
  const limits: ResourceLimits = {};
  if (num(f.maxCpuPercent) !== undefined) limits.maxCpuPercent = num(f.maxCpuPercent);
  if (num(f.maxMemoryMb) !== undefined) limits.maxMemoryMb = num(f.maxMemoryMb);
  if (f.ratePool.trim()) limits.ratePool = f.ratePool.trim();
  const out: Record<string, unknown> = { type: f.type, parameters, priority: f.priority };
  if (f.queue.trim()) out.queue = f.queue.trim();
  if (num(f.timeoutSeconds) !== undefined) out.timeoutSeconds = num(f.timeoutSeconds);
  if (num(f.maxRetries) !== undefined) out.maxRetries = num(f.maxRetries);
  if (num(f.retryDelaySeconds) !== undefined) out.retryDelaySeconds = num(f.retryDelaySeconds);
  if (Object.keys(limits).length) out.limits = limits;
  return out;
}

/** The Submit screen. */
export function SubmitScreen(): JSX.Element {
  const api = useApi();
  const store = useStoreApi();
  const jobTypes = useAppStore((s) => s.system.info?.jobTypes ?? null);
  const [form, setForm] = useState<Form>(() => {
    const draft = store.getState().ui.submitDraft;
    return draft ? fromDraft(draft) : emptyForm('command');
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const params = parseParameters(form.parameters);
  const set = (patch: Partial<Form>): void => setForm((f) => ({ ...f, ...patch }));

  useEffect(() => {
    // A duplicated job's draft is taken once.
    store.getState().ui.setSubmitDraft(null);
  }, [store]);

  const changeType = (type: string): void => {
    const untouched = form.parameters === (PARAMETER_EXAMPLES[form.type] ?? '{}');
    set({ type, ...(untouched ? { parameters: PARAMETER_EXAMPLES[type] ?? '{}' } : {}) });
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (!params.value) return;
    const { ui } = store.getState();
    setBusy(true);
    setError(null);
    try {
      if (form.when === 'repeat') {
        const definition = { ...jobOptions(form, params.value), ...draftToTrigger(form.schedule), ...(form.name.trim() ? { name: form.name.trim() } : {}) };
        const created = await api['schedules:create'](definition);
        ui.notify('success', `Schedule created; next run ${created.nextFire ? formatZoned(created.nextFire.local) : 'never'}.`);
        ui.navigate({ name: 'schedules' });
      } else {
        const submission = { ...jobOptions(form, params.value) } as JobSubmission;
        if (form.dependencies.length) submission.dependencies = form.dependencies;
        if (form.when === 'at') {
          const at = new Date(form.runAt).getTime();
          if (!Number.isFinite(at)) throw new Error('Pick the date and time the job should run at.');
          submission.runAt = at;
        }
        const job = await api['jobs:submit'](submission);
        store.getState().jobs.putJob(job);
        ui.notify('success', `Job ${job.id} submitted.`);
        ui.navigate({ name: 'job', id: job.id });
      }
    } catch (err) {
      setError(err instanceof Error && !('code' in err) ? err.message : describeError(err));
    } finally {
      setBusy(false);
    }
  };

  const types = jobTypes ?? [form.type];
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Submit a job</h1>
      </header>
      <form className="submit-form" onSubmit={(e) => void submit(e)} aria-label="Submit a job">
        <section className="panel">
          <div className="row">
            <label className="field">
              <span>Type</span>
              <select value={form.type} onChange={(e) => changeType(e.target.value)} aria-label="Job type">
                {(types.includes(form.type) ? types : [form.type, ...types]).map((t) => (
                  <option key={t} value={t}>
                    {t}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Priority</span>
              <select value={form.priority} onChange={(e) => set({ priority: e.target.value as JobPriority })} aria-label="Priority">
                {JOB_PRIORITIES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            <label className="field">
              <span>Queue</span>
              <input value={form.queue} onChange={(e) => set({ queue: e.target.value })} placeholder="default" aria-label="Queue" />
            </label>
          </div>
          <ParametersEditor value={form.parameters} onChange={(parameters) => set({ parameters })} error={params.error} />
        </section>
        <details className="panel">
          <summary>Timeout, retries and resource limits</summary>
          <div className="row">
            <label className="field">
              <span>Timeout (s)</span>
              <input type="number" min={1} value={form.timeoutSeconds} onChange={(e) => set({ timeoutSeconds: e.target.value })} placeholder="default" aria-label="Timeout in seconds" />
            </label>
            <label className="field">
              <span>Retries</span>
              <input type="number" min={0} max={100} value={form.maxRetries} onChange={(e) => set({ maxRetries: e.target.value })} placeholder="default" aria-label="Retries" />
            </label>
            <label className="field">
              <span>Retry delay (s)</span>
              <input type="number" min={0} value={form.retryDelaySeconds} onChange={(e) => set({ retryDelaySeconds: e.target.value })} placeholder="default" aria-label="Retry delay in seconds" />
            </label>
            <label className="field">
              <span>Max CPU (%)</span>
              <input type="number" min={1} value={form.maxCpuPercent} onChange={(e) => set({ maxCpuPercent: e.target.value })} placeholder="default" aria-label="Maximum CPU percent" />
            </label>
            <label className="field">
              <span>Max memory (MB)</span>
              <input type="number" min={1} value={form.maxMemoryMb} onChange={(e) => set({ maxMemoryMb: e.target.value })} placeholder="default" aria-label="Maximum memory in MB" />
            </label>
            <label className="field">
              <span>Rate pool</span>
              <input value={form.ratePool} onChange={(e) => set({ ratePool: e.target.value })} placeholder="none" aria-label="Rate-limit pool" />
            </label>
          </div>
        </details>
        <section className="panel">
          <fieldset>
            <legend>When</legend>
            <div className="radios" role="radiogroup" aria-label="When to run">
              {(['now', 'at', 'repeat'] as const).map((w) => (
                <label key={w}>
                  <input type="radio" name="when" value={w} checked={form.when === w} onChange={() => set({ when: w })} />
                  {w === 'now' ? 'Now' : w === 'at' ? 'Later, at a time' : 'On a schedule'}
                </label>
              ))}
            </div>
          </fieldset>
          {form.when === 'at' ? (
            <label className="field">
              <span>Run at</span>
              <input type="datetime-local" value={form.runAt} onChange={(e) => set({ runAt: e.target.value })} aria-label="Run at" required />
            </label>
          ) : null}
          {form.when === 'repeat' ? (
            <>
              <label className="field">
                <span>Schedule name</span>
                <input value={form.name} onChange={(e) => set({ name: e.target.value })} placeholder="optional" aria-label="Schedule name" />
              </label>
              <ScheduleFields draft={form.schedule} onChange={(schedule) => set({ schedule })} type={form.type} kinds={['cron', 'interval']} />
            </>
          ) : (
            <DependencyPicker value={form.dependencies} onChange={(dependencies) => set({ dependencies })} />
          )}
        </section>
        {error ? (
          <p className="error-text" role="alert">
            {error}
          </p>
        ) : null}
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || params.value === null}>
            {busy ? 'Submitting…' : form.when === 'repeat' ? 'Create schedule' : 'Submit job'}
          </button>
        </div>
      </form>
    </div>
  );
}
