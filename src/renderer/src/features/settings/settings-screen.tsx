/**
 * Settings: the dashboard's theme (kept in this browser), the engine's backend (with a connection
 * test), thresholds and defaults, and — inside the desktop app — tray, sleep, notification and
 * local API server settings, all changed through `settings:update` (settings-forms.tsx).
 */
import { useEffect, type JSX } from 'react';
import { useClient } from '../../api/api-context';
import { ErrorText } from '../../components/error-text';
import type { ThemeChoice } from '../../store/settings-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { BackendForm, DesktopForm, ThresholdsForm, useSettingsView } from './settings-forms';

const THEMES: Array<{ value: ThemeChoice; label: string }> = [
  { value: 'system', label: 'Follow the system' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

function Row({ name, value }: { name: string; value: string }): JSX.Element {
  return (
    <div>
      <dt>{name}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The Settings screen. */
export function SettingsScreen(): JSX.Element {
  const client = useClient();
  const store = useStoreApi();
  const theme = useAppStore((s) => s.settings.theme);
  const setTheme = useAppStore((s) => s.settings.setTheme);
  const info = useAppStore((s) => s.system.info);
  const error = useAppStore((s) => s.system.error);
  const governor = useAppStore((s) => s.workers.governor);
  const { view, error: settingsError } = useSettingsView();
  useEffect(() => {
    if (!store.getState().workers.governor) void store.getState().workers.refreshGovernor();
    void store.getState().settings.load();
  }, [store]);
  return (
    <div className="screen">
      <header className="screen-header">
        <h1>Settings</h1>
      </header>
      <section className="panel" aria-labelledby="appearance-title">
        <h2 id="appearance-title">Appearance</h2>
        <fieldset>
          <legend>Theme</legend>
          <div className="radios" role="radiogroup" aria-label="Theme">
            {THEMES.map((t) => (
              <label key={t.value}>
                <input type="radio" name="theme" value={t.value} checked={theme === t.value} onChange={() => setTheme(t.value)} />
                {t.label}
              </label>
            ))}
          </div>
        </fieldset>
      </section>
      <section className="panel" aria-labelledby="backend-title">
        <h2 id="backend-title">Backend</h2>
        <ErrorText error={error} />
        {info ? (
          <dl className="kv">
            <Row name="Store" value={info.backend === 'sqlite' ? 'SQLite (local file)' : 'Redis'} />
            <Row name="Location" value={info.location} />
            <Row name="Data directory" value={info.dataDir} />
            <Row name="Engine" value={`${info.engineRunning ? 'running' : 'stopped'} (${info.engineId})`} />
            <Row name="Version" value={info.version} />
            <Row name="Job types" value={info.jobTypes.join(', ')} />
            <Row name="Dashboard connected over" value={client.transport === 'ipc' ? 'the desktop app (IPC)' : 'the local API server (HTTP and WebSocket)'} />
          </dl>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
      <section className="panel" aria-labelledby="thresholds-title">
        <h2 id="thresholds-title">Thresholds and limits</h2>
        {governor ? (
          <dl className="kv">
            <Row name="Hold new jobs above CPU" value={`${governor.backpressure.cpuThreshold} %`} />
            <Row name="Hold new jobs above memory" value={`${governor.backpressure.memoryThreshold} %`} />
            <Row name="Jobs over their CPU limit are" value={governor.cpuPolicy === 'kill' ? 'killed' : 'throttled'} />
            <Row name="Concurrency limit" value={governor.concurrency.limit === null ? 'none' : String(governor.concurrency.limit)} />
            <Row name="Auto-scaling" value={`${governor.autoScaling.enabled ? 'on' : 'off'}, ${governor.autoScaling.minWorkers}–${governor.autoScaling.maxWorkers} workers`} />
            <Row name="Resource monitoring" value={governor.monitoring ? 'on' : 'off'} />
          </dl>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
      <section className="panel" aria-labelledby="change-title">
        <h2 id="change-title">Change settings</h2>
        <ErrorText error={settingsError} />
        {view ? (
          <>
            <p className="muted">
              Saved to <code>{view.settingsPath}</code>. Thresholds, limits, defaults and retention apply at once; the backend and data folder after a restart. Environment variables (<code>JOBHANDLE_*</code>, <code>JOB_*</code>) still win over the file at the next start.
            </p>
            <h3>Backend</h3>
            <BackendForm view={view} />
            <h3>Thresholds and defaults</h3>
            <ThresholdsForm view={view} />
            <h3>Desktop app</h3>
            {view.desktop ? <DesktopForm desktop={view.desktop} /> : <p className="muted">Tray, notification, sleep and API server settings are in the desktop app; this engine runs headless.</p>}
          </>
        ) : (
          <p className="muted">Loading…</p>
        )}
      </section>
    </div>
  );
}
