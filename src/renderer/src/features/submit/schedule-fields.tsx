/**
 * The trigger part of a schedule (cron with a time zone, an interval, or one run at a time), its
 * misfire and overlap policies, and a live preview of the next runs in the chosen zone, with the
 * engine's own explanation when an expression is wrong. Used by Submit and by schedule editing.
 */
import { useEffect, useMemo, useState, type JSX } from 'react';
import { MISFIRE_POLICIES, OVERLAP_POLICIES } from '../../../../shared/model';
import type { SchedulePreviewView } from '../../../../shared/schedule-types';
import { useApi } from '../../api/api-context';
import { toDisplayError } from '../../api/errors';
import { formatZoned } from '../../components/format';

export type TriggerKind = 'cron' | 'interval' | 'once';

export interface ScheduleDraft {
  kind: TriggerKind;
  cronExpression: string;
  intervalSeconds: string;
  /** `datetime-local` value (the viewer's zone). */
  runAt: string;
  timezone: string;
  misfirePolicy: (typeof MISFIRE_POLICIES)[number];
  overlapPolicy: (typeof OVERLAP_POLICIES)[number];
}

/** The viewer's IANA zone (the default for new schedules). */
export function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

export function emptyScheduleDraft(): ScheduleDraft {
  return { kind: 'cron', cronExpression: '*/5 * * * *', intervalSeconds: '300', runAt: '', timezone: localZone(), misfirePolicy: 'run_once', overlapPolicy: 'skip' };
}

/** The trigger and policy fields of a schedule definition for this draft. */
export function draftToTrigger(d: ScheduleDraft): Record<string, unknown> {
  const out: Record<string, unknown> = { timezone: d.timezone.trim(), misfirePolicy: d.misfirePolicy, overlapPolicy: d.overlapPolicy };
  if (d.kind === 'cron') out.cronExpression = d.cronExpression.trim();
  else if (d.kind === 'interval') out.intervalSeconds = Number(d.intervalSeconds);
  else out.scheduledTime = d.runAt ? new Date(d.runAt).getTime() : Number.NaN;
  return out;
}

const MISFIRE_TEXT: Record<ScheduleDraft['misfirePolicy'], string> = {
  skip: 'skip missed runs',
  run_once: 'run once for all missed runs',
  run_all: 'run every missed run (up to the catch-up limit)',
};
const OVERLAP_TEXT: Record<ScheduleDraft['overlapPolicy'], string> = {
  allow: 'allow runs to overlap',
  skip: 'skip a run while the previous one still runs',
  queue: 'queue a run until the previous one finishes',
};

function zoneNames(): string[] {
  try {
    return (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  } catch {
    return [];
  }
}

export interface ScheduleFieldsProps {
  draft: ScheduleDraft;
  onChange(draft: ScheduleDraft): void;
  /** The job type the preview's definition uses. */
  type: string;
  /** Hide the one-off trigger (Submit offers "at a time" as a plain delayed job). */
  kinds?: TriggerKind[];
}

/** The fields and the preview. */
export function ScheduleFields({ draft, onChange, type, kinds = ['cron', 'interval', 'once'] }: ScheduleFieldsProps): JSX.Element {
  const api = useApi();
  const zones = useMemo(zoneNames, []);
  const [preview, setPreview] = useState<SchedulePreviewView | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const set = (patch: Partial<ScheduleDraft>): void => onChange({ ...draft, ...patch });
  const definitionKey = JSON.stringify({ type, ...draftToTrigger(draft) });

  useEffect(() => {
    let stale = false;
    const timer = setTimeout(() => {
      const definition = JSON.parse(definitionKey) as Record<string, unknown>;
      api['schedules:preview']({ definition, count: 5 }).then(
        (result) => {
          if (stale) return;
          setPreview(result);
          setProblem(null);
        },
        (err: unknown) => {
          if (stale) return;
          const d = toDisplayError(err);
          setPreview(null);
          setProblem(`${d.message.replace(/^invalid schedule: /, '')} (${d.code})`);
        },
      );
    }, 350);
    return () => {
      stale = true;
      clearTimeout(timer);
    };
  }, [api, definitionKey]);

  return (
    <fieldset className="schedule-fields">
      <legend>Repeat</legend>
      <div className="radios" role="radiogroup" aria-label="Schedule kind">
        {kinds.map((k) => (
          <label key={k}>
            <input type="radio" name="trigger-kind" value={k} checked={draft.kind === k} onChange={() => set({ kind: k })} />
            {k === 'cron' ? 'On a cron schedule' : k === 'interval' ? 'At a fixed interval' : 'Once, at a time'}
          </label>
        ))}
      </div>
      {draft.kind === 'cron' ? (
        <label className="field">
          <span>Cron expression</span>
          <input className="mono" value={draft.cronExpression} onChange={(e) => set({ cronExpression: e.target.value })} aria-label="Cron expression" aria-invalid={problem !== null} aria-describedby="cron-help" placeholder="*/5 * * * *" />
          <small id="cron-help" className="muted">
            minute hour day-of-month month day-of-week (a sixth leading field adds seconds), or @daily, @hourly…
          </small>
        </label>
      ) : null}
      {draft.kind === 'interval' ? (
        <label className="field">
          <span>Every (seconds)</span>
          <input type="number" min={1} value={draft.intervalSeconds} onChange={(e) => set({ intervalSeconds: e.target.value })} aria-label="Interval in seconds" />
        </label>
      ) : null}
      {draft.kind === 'once' ? (
        <label className="field">
          <span>Run at</span>
          <input type="datetime-local" value={draft.runAt} onChange={(e) => set({ runAt: e.target.value })} aria-label="Run at" />
        </label>
      ) : null}
      <label className="field">
        <span>Time zone</span>
        <input list="zone-names" value={draft.timezone} onChange={(e) => set({ timezone: e.target.value })} aria-label="Time zone" />
        <datalist id="zone-names">
          {zones.map((z) => (
            <option key={z} value={z} />
          ))}
        </datalist>
      </label>
      <label className="field">
        <span>Missed runs</span>
        <select value={draft.misfirePolicy} onChange={(e) => set({ misfirePolicy: e.target.value as ScheduleDraft['misfirePolicy'] })} aria-label="Misfire policy">
          {MISFIRE_POLICIES.map((p) => (
            <option key={p} value={p}>
              {MISFIRE_TEXT[p]}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>Overlapping runs</span>
        <select value={draft.overlapPolicy} onChange={(e) => set({ overlapPolicy: e.target.value as ScheduleDraft['overlapPolicy'] })} aria-label="Overlap policy">
          {OVERLAP_POLICIES.map((p) => (
            <option key={p} value={p}>
              {OVERLAP_TEXT[p]}
            </option>
          ))}
        </select>
      </label>
      <div className="preview" aria-live="polite" aria-label="Next runs">
        {problem ? (
          <p className="error-text" role="alert">
            {problem}
          </p>
        ) : preview ? (
          preview.fires.length ? (
            <>
              <p>Next runs ({preview.zone}):</p>
              <ol className="preview-list">
                {preview.fires.map((f) => (
                  <li key={f.at}>
                    {formatZoned(f.local)} <span className="muted">({f.utc.replace('.000Z', 'Z')})</span>
                  </li>
                ))}
              </ol>
            </>
          ) : (
            <p className="muted">This schedule would never run.</p>
          )
        ) : (
          <p className="muted">Working out the next runs…</p>
        )}
      </div>
    </fieldset>
  );
}
