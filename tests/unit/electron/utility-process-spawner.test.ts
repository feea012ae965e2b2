import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { PowerSaveGuard } from '../../../src/main/electron/power-save';
import { UtilityProcessSpawner } from '../../../src/main/electron/utility-process-spawner';
import { electronNativeBindingPath, requireElectronNativeBinding } from '../../../src/main/electron/native-binding';
import { loadDesktopSettings } from '../../../src/main/electron/desktop-settings';
import { asElectron, FakePowerSaveBlocker, FakeUtilityProcessModule } from '../../helpers/fake-electron';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('utilityProcess spawner', () => {
  it('forks the worker entry with its name, relays messages and exit, and kills', async () => {
    const module = new FakeUtilityProcessModule();
    const spawner = new UtilityProcessSpawner(asElectron(module), '/app/out/main/worker.js', {
      PATH: '/bin',
      ELECTRON_RUN_AS_NODE: '1',
    });
    const worker = spawner.spawn({ name: 'worker-1', env: { EXTRA: 'x' } });
    const child = module.forked[0]!;
    expect(child.modulePath).toBe('/app/out/main/worker.js');
    expect(child.options).toMatchObject({
      serviceName: 'JobHandle worker-1',
      env: { PATH: '/bin', EXTRA: 'x', JOBHANDLE_WORKER_NAME: 'worker-1' },
    });
    expect(child.options!.env!['ELECTRON_RUN_AS_NODE']).toBeUndefined();
    expect(worker.pid).toBe(4242);

    const received: unknown[] = [];
    worker.onMessage((m) => received.push(m));
    child.emit('message', { type: 'ready' });
    expect(received).toEqual([{ type: 'ready' }]);
    expect(worker.send({ type: 'shutdown' } as never)).toBe(true);
    expect(child.posted).toEqual([{ type: 'shutdown' }]);

    const exited = new Promise<[number | null, string | null]>((resolve) => worker.onExit((code, signal) => resolve([code, signal])));
    worker.kill('SIGTERM');
    expect(await exited).toEqual([0, null]);
    expect(worker.send({ type: 'shutdown' } as never)).toBe(false);
    const late = await new Promise((resolve) => worker.onExit((code) => resolve(code)));
    expect(late).toBeNull();
  });
});

describe('power save', () => {
  it('blocks app suspension while jobs run, when enabled', () => {
    const blocker = new FakePowerSaveBlocker();
    const events = new EventEmitter();
    const guard = new PowerSaveGuard(asElectron(blocker), asElectron(events), true);
    guard.start();
    events.emit('job:started', { id: 'a' });
    events.emit('job:started', { id: 'b' });
    expect(blocker.types).toEqual(['prevent-app-suspension']);
    expect(guard.active).toBe(true);
    events.emit('job:completed', { id: 'a' });
    expect(guard.active).toBe(true);
    events.emit('job:retrying', { id: 'b' });
    expect(guard.active).toBe(false);
    expect(blocker.active.size).toBe(0);
    events.emit('job:started', { id: 'c' });
    guard.stop();
    expect(blocker.active.size).toBe(0);

    const off = new PowerSaveGuard(asElectron(blocker), asElectron(events), false);
    off.start();
    events.emit('job:started', { id: 'd' });
    expect(off.active).toBe(false);
  });
});

describe('native binding and desktop settings', () => {
  it('points at the unpacked Electron build and says in one line when it is missing', () => {
    expect(electronNativeBindingPath('/opt/JobHandle/resources/app.asar')).toBe(
      '/opt/JobHandle/resources/app.asar.unpacked/build/electron-native/better_sqlite3.node',
    );
    expect(electronNativeBindingPath('/src/jobhandle')).toBe('/src/jobhandle/build/electron-native/better_sqlite3.node');
    expect(() => requireElectronNativeBinding('/nowhere', () => false)).toThrow(/Electron build of better-sqlite3 is missing/);
    expect(requireElectronNativeBinding('/x', () => true)).toBe('/x/build/electron-native/better_sqlite3.node');
  });

  it('reads desktop settings with defaults; an invalid file falls back with a warning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jh-settings-'));
    const path = join(dir, 'desktop-settings.json');
    expect(loadDesktopSettings(path)).toMatchObject({ settings: { closeToTray: true, preventSleepWhileRunning: true }, warning: null });
    writeFileSync(path, JSON.stringify({ closeToTray: false, notifications: { onCompleted: false } }));
    const { settings } = loadDesktopSettings(path);
    expect(settings.closeToTray).toBe(false);
    expect(settings.notifications).toMatchObject({ onCompleted: false, onFailed: true, digestThreshold: 3 });
    writeFileSync(path, JSON.stringify({ closeToTray: 'yes' }));
    const bad = loadDesktopSettings(path);
    expect(bad.settings.closeToTray).toBe(true);
    expect(bad.warning).toMatch(/closeToTray/);
    rmSync(dir, { recursive: true, force: true });
  });
});
