/**
 * The desktop side of the dashboard gaps, through the IPC transport with a fake electron:
 * `exports:save` shows the save dialog and writes the CSV to the chosen file (nothing on cancel,
 * a bad input refused before any dialog); `settings:update` routes desktop fields to the desktop
 * settings store (atomic write, live parts applied to the object the app reads, unknown fields
 * refused naming the field, file unchanged).
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveCsvExport } from '../../../src/main/electron/csv-save';
import { defaultDesktopSettings, loadDesktopSettings, type DesktopSettings } from '../../../src/main/electron/desktop-settings';
import { DesktopSettingsStore } from '../../../src/main/electron/desktop-settings-store';
import { managerEvents } from '../../../src/main/electron/engine-adapter';
import { appUrlMatcher, IpcTransport } from '../../../src/main/electron/ipc-transport';
import { loadConfig } from '../../../src/main/engine/config';
import { JobManager } from '../../../src/main/engine/manager';
import { createContractHandlers } from '../../../src/main/services/contract-handlers';
import { asElectron, FakeDialog, FakeIpcMain, FakeWebContents } from '../../helpers/fake-electron';

const APP_URL = 'file:///app/out/renderer/index.html';

describe('desktop gaps over IPC', () => {
  let dir: string;
  let manager: JobManager;
  let ipcMain: FakeIpcMain;
  let transport: IpcTransport;
  let window: FakeWebContents;
  let dialog: FakeDialog;
  let settings: DesktopSettings;
  const settingsPath = () => join(dir, 'desktop-settings.json');

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jh-desk-'));
    manager = await JobManager.open({ config: loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } }) });
    ipcMain = new FakeIpcMain();
    dialog = new FakeDialog();
    settings = defaultDesktopSettings();
    transport = new IpcTransport({
      ipcMain: asElectron(ipcMain),
      handlers: createContractHandlers({
        manager,
        version: '0.0.0-test',
        desktopSettings: new DesktopSettingsStore(settingsPath(), settings),
        saveExport: (name, input) => saveCsvExport({ dialog: asElectron(dialog), manager, window: () => null, defaultDir: dir }, name, input),
      }),
      events: managerEvents(manager),
      isAllowedUrl: appUrlMatcher({ fileUrl: APP_URL }),
    });
    transport.start();
    window = new FakeWebContents(undefined, APP_URL);
    transport.attach(asElectron(window));
  });
  afterEach(async () => {
    transport.stop();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exports:save writes the CSV where the user chose; cancel writes nothing; a bad input opens no dialog', async () => {
    await manager.submitJobs([{ type: 'cleanup', parameters: { daysOld: 1 } }, { type: 'cleanup', parameters: { daysOld: 2 } }]);
    const target = join(dir, 'chosen.csv');
    dialog.answer = target;
    const reply = await ipcMain.invoke('exports:save', window, { name: 'jobs', input: { status: 'pending' } });
    expect(reply).toMatchObject({ ok: true, result: { saved: true, path: target, rows: 2 } });
    const lines = readFileSync(target, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^id,/);
    expect(dialog.shown[0]!.options).toMatchObject({ defaultPath: join(dir, 'jobs.csv') });

    dialog.answer = null;
    expect(await ipcMain.invoke('exports:save', window, { name: 'failures', input: {} })).toMatchObject({ ok: true, result: { saved: false, path: null } });
    const bad = await ipcMain.invoke('exports:save', window, { name: 'jobs', input: { status: 'sleeping' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(dialog.shown).toHaveLength(2);
    expect(await ipcMain.invoke('exports:save', window, { name: 'nope', input: {} })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('settings:update routes desktop fields to the desktop store: written atomically, live parts applied', async () => {
    const reply = (await ipcMain.invoke('settings:update', window, { desktop: { closeToTray: false, notifications: { onCompleted: false }, apiServer: { enabled: true } } })) as {
      ok: true;
      result: { applied: string[]; restartRequired: string[]; settings: { desktop: Record<string, unknown> } };
    };
    expect(reply.ok).toBe(true);
    expect(reply.result.applied.sort()).toEqual(['desktop.closeToTray', 'desktop.notifications.onCompleted']);
    expect(reply.result.restartRequired).toEqual(['desktop.apiServer.enabled']);
    expect(settings.closeToTray).toBe(false); // the object the window's close handler reads
    expect(settings.notifications.onCompleted).toBe(false);
    expect(settings.notifications.onFailed).toBe(true);
    expect(loadDesktopSettings(settingsPath())).toMatchObject({ warning: null, settings: { closeToTray: false, apiServer: { enabled: true, port: 7878 } } });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(reply.result.settings.desktop).toMatchObject({ closeToTray: false });

    const before = readFileSync(settingsPath(), 'utf8');
    const bad = await ipcMain.invoke('settings:update', window, { desktop: { notifications: { loud: true } } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect((bad as { error: { message: string } }).error.message).toMatch(/desktop\.notifications: unknown field\(s\) loud/);
    expect(readFileSync(settingsPath(), 'utf8')).toBe(before);
    expect(settings.closeToTray).toBe(false);

    const got = (await ipcMain.invoke('settings:get', window, {})) as { result: { desktopSettingsPath: string; desktop: Record<string, unknown> } };
    expect(got.result.desktopSettingsPath).toBe(settingsPath());
  });
});
