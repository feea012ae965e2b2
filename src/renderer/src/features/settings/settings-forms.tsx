/**
 * The editable parts of the Settings screen: backend (with "Test connection"), thresholds and
 * defaults, and the desktop app's own settings (tray, sleep, notifications, local API server).
 * Each form sends one `settings:update` and says what applies now and what needs a restart;
 * the engine's VALIDATION errors (naming the field) are shown as they come.
 */
import { useState, type FormEvent, type JSX } from 'react';
import type { ConnectionTestResult, MethodInput, SettingsView } from '../../../../shared/contract';
import { describeError } from '../../api/errors';
import { ErrorText } from '../../components/error-text';
import { useAppStore, useStoreApi } from '../../store/store-context';

type Engine = Record<string, Record<string, unknown> | unknown>;

function section(view: SettingsView, name: string): Record<string, unknown> {
  return ((view.engine as Engine)[name] as Record<string, unknown> | undefined) ?? {};
}

function useSave(): { save: (change: MethodInput<'settings:update'>) => Promise<void>; error: string | null; busy: boolean } {
  const store = useStoreApi();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (change: MethodInput<'settings:update'>): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      const result = await store.getState().settings.update(change);
      const parts = [result.applied.length ? `Applied now: ${result.applied.join(', ')}.` : '', result.restartRequired.length ? `Takes effect after a restart: ${result.restartRequired.join(', ')}.` : ''];
      store.getState().ui.notify('success', `Settings saved. ${parts.filter(Boolean).join(' ')}`.trim());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return { save, error, busy };
}

function numberOrUndefined(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** Backend choice, address, and "Test connection". */
export function BackendForm({ view }: { view: SettingsView }): JSX.Element {
  const redis = section(view, 'redis');
  const store = useStoreApi();
  const [backend, setBackend] = useState<'sqlite' | 'redis'>((view.engine as Engine)['backend'] === 'redis' ? 'redis' : 'sqlite');
  const [dbPath, setDbPath] = useState(String((view.engine as Engine)['dbPath'] ?? ''));
  const [url, setUrl] = useState(typeof redis['url'] === 'string' && !String(redis['url']).includes('***') ? String(redis['url']) : '');
  const [cluster, setCluster] = useState(Array.isArray(redis['cluster']) ? (redis['cluster'] as string[]).join(', ') : '');
  const [test, setTest] = useState<ConnectionTestResult | null>(null);
  const [testing, setTesting] = useState(false);
  const [testError, setTestError] = useState<string | null>(null);
  const { save, error, busy } = useSave();
  const nodes = cluster.split(',').map((s) => s.trim()).filter(Boolean);
  const target = backend === 'sqlite' ? { backend, ...(dbPath ? { dbPath } : {}) } : { backend, ...(nodes.length ? { cluster: nodes } : url ? { url } : {}) };

  const runTest = async (): Promise<void> => {
    setTesting(true);
    setTestError(null);
    setTest(null);
    try {
      setTest(await store.getState().settings.testConnection(target));
    } catch (err) {
      setTestError(describeError(err));
    } finally {
      setTesting(false);
    }
  };
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void save({ engine: backend === 'sqlite' ? { backend, ...(dbPath ? { dbPath } : {}) } : { backend, redis: nodes.length ? { cluster: nodes, url: null } : url ? { url, cluster: null } : {} } });
  };
  return (
    <form onSubmit={onSubmit} aria-label="Backend settings">
      <fieldset>
        <legend>Store</legend>
        <div className="radios" role="radiogroup" aria-label="Store">
          <label>
            <input type="radio" name="backend" checked={backend === 'sqlite'} onChange={() => setBackend('sqlite')} /> SQLite file on this machine
          </label>
          <label>
            <input type="radio" name="backend" checked={backend === 'redis'} onChange={() => setBackend('redis')} /> Redis
          </label>
        </div>
      </fieldset>
      {backend === 'sqlite' ? (
        <label>
          Database file <input value={dbPath} onChange={(e) => setDbPath(e.target.value)} placeholder="jobhandle.db in the data folder" />
        </label>
      ) : (
        <>
          <label>
            Redis URL <input value={url} onChange={(e) => setUrl(e.target.value)} placeholder="redis://user:password@host:6379/0" autoComplete="off" />
          </label>
          <label>
            Cluster nodes <input value={cluster} onChange={(e) => setCluster(e.target.value)} placeholder="host1:7000, host2:7001 (instead of a URL)" />
          </label>
        </>
      )}
      <div className="row">
        <button type="button" onClick={() => void runTest()} disabled={testing}>
          {testing ? 'Testing…' : 'Test connection'}
        </button>
        <button type="submit" disabled={busy}>
          Save backend (restart needed)
        </button>
      </div>
      <ErrorText error={testError ?? error} />
      {test ? (
        <p role="status" className={test.ok ? 'ok-text' : 'error-text'}>
          {test.ok ? 'Works: ' : 'Does not work: '}
          {test.message}
        </p>
      ) : null}
    </form>
  );
}

/** Thresholds, concurrency, job defaults and retention (all applied live). */
export function ThresholdsForm({ view }: { view: SettingsView }): JSX.Element {
  const thresholds = section(view, 'thresholds');
  const jobs = section(view, 'jobs');
  const retention = section(view, 'retention');
  const concurrency = section(view, 'concurrency');
  const [values, setValues] = useState({
    cpu: String(thresholds['cpuPercent'] ?? ''),
    memory: String(thresholds['memoryPercent'] ?? ''),
    global: concurrency['global'] === undefined ? '' : String(concurrency['global']),
    maxRetries: String(jobs['maxRetries'] ?? ''),
    timeout: String(jobs['defaultTimeoutSeconds'] ?? ''),
    keepCompleted: String(retention['completed'] ?? ''),
    keepFailed: String(retention['failed'] ?? ''),
  });
  const { save, error, busy } = useSave();
  const field = (key: keyof typeof values, label: string, unit: string) => (
    <label>
      {label}{' '}
      <input inputMode="decimal" value={values[key]} onChange={(e) => setValues((v) => ({ ...v, [key]: e.target.value }))} aria-label={label} /> {unit}
    </label>
  );
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    const global = numberOrUndefined(values.global);
    void save({
      engine: {
        thresholds: { cpuPercent: numberOrUndefined(values.cpu), memoryPercent: numberOrUndefined(values.memory) },
        concurrency: { global: global ?? null },
        jobs: { maxRetries: numberOrUndefined(values.maxRetries), defaultTimeoutSeconds: numberOrUndefined(values.timeout) },
        retention: { completed: numberOrUndefined(values.keepCompleted), failed: numberOrUndefined(values.keepFailed) },
      },
    });
  };
  return (
    <form onSubmit={onSubmit} aria-label="Thresholds and defaults">
      {field('cpu', 'Hold new jobs above host CPU', '%')}
      {field('memory', 'Hold new jobs above host memory', '%')}
      {field('global', 'Jobs running at once (empty: no limit)', 'jobs')}
      {field('maxRetries', 'Default retries', 'times')}
      {field('timeout', 'Default timeout', 'seconds')}
      {field('keepCompleted', 'Keep completed jobs', 'days')}
      {field('keepFailed', 'Keep failed jobs', 'days')}
      <button type="submit" disabled={busy}>
        Save thresholds and defaults
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** The desktop app's own settings; only shown inside the app. */
export function DesktopForm({ desktop }: { desktop: Record<string, unknown> }): JSX.Element {
  const notifications = (desktop['notifications'] as Record<string, unknown> | undefined) ?? {};
  const api = (desktop['apiServer'] as Record<string, unknown> | undefined) ?? {};
  const [v, setV] = useState({
    closeToTray: desktop['closeToTray'] === true,
    preventSleep: desktop['preventSleepWhileRunning'] === true,
    notify: notifications['enabled'] === true,
    onCompleted: notifications['onCompleted'] === true,
    onFailed: notifications['onFailed'] === true,
    quiet: notifications['quietWhenFocused'] === true,
    apiEnabled: api['enabled'] === true,
    apiPort: String(api['port'] ?? 7878),
  });
  const { save, error, busy } = useSave();
  const box = (key: Exclude<keyof typeof v, 'apiPort'>, label: string) => (
    <label>
      <input type="checkbox" checked={v[key]} onChange={(e) => setV((s) => ({ ...s, [key]: e.target.checked }))} /> {label}
    </label>
  );
  const onSubmit = (e: FormEvent): void => {
    e.preventDefault();
    void save({
      desktop: {
        closeToTray: v.closeToTray,
        preventSleepWhileRunning: v.preventSleep,
        notifications: { enabled: v.notify, onCompleted: v.onCompleted, onFailed: v.onFailed, quietWhenFocused: v.quiet },
        apiServer: { enabled: v.apiEnabled, port: Number(v.apiPort) },
      },
    });
  };
  return (
    <form onSubmit={onSubmit} aria-label="Desktop app settings">
      {box('closeToTray', 'Keep running in the tray when the window is closed')}
      {box('preventSleep', 'Keep the computer awake while jobs run (after a restart)')}
      {box('notify', 'Show notifications')}
      {box('onCompleted', 'Notify when a job completes')}
      {box('onFailed', 'Notify when a job fails')}
      {box('quiet', 'Quiet while the dashboard has the focus')}
      {box('apiEnabled', 'Local API server for scripts and browsers (after a restart)')}
      <label>
        API port <input inputMode="numeric" value={v.apiPort} onChange={(e) => setV((s) => ({ ...s, apiPort: e.target.value }))} aria-label="API port" />
      </label>
      <button type="submit" disabled={busy}>
        Save desktop settings
      </button>
      <ErrorText error={error} />
    </form>
  );
}

/** Load the settings view once; the forms below read it. */
export function useSettingsView(): { view: SettingsView | null; error: string | null } {
  const view = useAppStore((s) => s.settings.view);
  const error = useAppStore((s) => s.settings.error);
  return { view, error };
}
