/**
 * Settings: the dashboard's theme (editable, kept in this browser), and the engine's backend,
 * thresholds and limits as the contract reports them — read-only, with where to change them,
 * because the contract has no method to change engine settings yet.
 */
import { useEffect, type JSX } from 'react';
import { useClient } from '../../api/api-context';
import { ErrorText } from '../../components/error-text';
import type { ThemeChoice } from '../../store/settings-slice';
import { useAppStore, useStoreApi } from '../../store/store-context';

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
  useEffect(() => {
    if (!store.getState().workers.governor) void store.getState().workers.refreshGovernor();
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
      <section className="panel" aria-labelledby="readonly-title">
        <h2 id="readonly-title">Changing engine settings</h2>
        <p>
          The dashboard cannot change engine settings yet: backend (SQLite path or Redis URL), thresholds and defaults, notification rules, tray behaviour and the local API server are read from the settings file
          {info ? (
            <>
              {' '}
              in <code>{info.dataDir}</code>
            </>
          ) : null}{' '}
          and from <code>JOBHANDLE_*</code> environment variables when the engine starts. Edit them there and restart; <code>docs/configuration.md</code> lists every setting.
        </p>
      </section>
    </div>
  );
}
