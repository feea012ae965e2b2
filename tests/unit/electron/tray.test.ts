import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DesktopEngine } from '../../../src/main/electron/engine-adapter';
import { TrayController, type TrayDeps } from '../../../src/main/electron/tray';
import { loadConfig } from '../../../src/main/engine/config';
import { JobManager } from '../../../src/main/engine/manager';
import { asElectron, FakeMenu, FakeNativeImage, FakeTray } from '../../helpers/fake-electron';

describe('tray', () => {
  let dir: string;
  let manager: JobManager;
  let engine: DesktopEngine;
  let tray: FakeTray;
  let controller: TrayController;
  const actions = { openDashboard: vi.fn(), openJob: vi.fn(), quit: vi.fn() };

  const deps = asElectron<TrayDeps>({
    createTray: (image: unknown) => (tray = new FakeTray(image)),
    buildMenu: (template: never) => FakeMenu.buildFromTemplate(template),
    createImage: (path: string) => FakeNativeImage.createFromPath(path),
  });
  const menu = () => tray.menu!;
  const icon = () => (tray.image as FakeNativeImage).path;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jh-tray-'));
    manager = await JobManager.open({ config: loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } }) });
    engine = new DesktopEngine(manager);
    controller = new TrayController(deps, engine, actions, { iconDir: '/icons', platform: 'linux', throttleMs: 20 });
    for (const fn of Object.values(actions)) fn.mockReset();
  });
  afterEach(async () => {
    controller.destroy();
    engine.close();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows counts from the engine, refreshed by its events', async () => {
    await controller.start();
    expect(icon()).toBe('/icons/tray-idle.png');
    expect(menu().find('queued')!.label).toBe('Queued: 0');
    await manager.submitJobs([{ type: 'cleanup' }, { type: 'cleanup', queue: 'reports' }, { type: 'cleanup', queue: 'reports' }]);
    await vi.waitFor(() => expect(menu().find('queued')!.label).toBe('Queued: 3'), { timeout: 5000 });
    expect(menu().find('running')!.label).toBe('Running: 0');
    expect(tray.tooltip).toBe('JobHandle — 0 running, 3 queued');
  });

  it('pause all pauses every known queue, resume all resumes them (real engine)', async () => {
    await controller.start();
    await manager.submitJobs([{ type: 'cleanup', queue: 'reports' }, { type: 'cleanup', queue: 'mail' }]);
    menu().find('pause-all')!.click!();
    await vi.waitFor(async () => expect((await manager.getQueueStats()).pausedQueues.sort()).toEqual(['default', 'mail', 'reports']), {
      timeout: 5000,
    });
    await vi.waitFor(() => expect(menu().find('resume-all')!.label).toBe('Resume all queues (3 paused)'), { timeout: 5000 });
    expect(menu().find('resume-all')!.enabled).toBe(true);
    menu().find('resume-all')!.click!();
    await vi.waitFor(async () => expect((await manager.getQueueStats()).pausedQueues).toEqual([]), { timeout: 5000 });
    await vi.waitFor(() => expect(menu().find('resume-all')!.enabled).toBe(false), { timeout: 5000 });
  });

  it('shows failures since the last look; a recent failure opens its job; open and quit call the app', async () => {
    await controller.start();
    manager.emit('job:failed', {
      id: 'job-1',
      type: 'http',
      queue: 'default',
      attempt: 1,
      error: { message: 'HTTP 500 from upstream', class: 'permanent' } as never,
      finishedAt: 1,
    });
    await vi.waitFor(() => expect(icon()).toBe('/icons/tray-failed.png'), { timeout: 5000 });
    expect(tray.tooltip).toContain('1 failed since you last looked');
    const item = menu().find('failure:job-1')!;
    expect(item.label).toBe('http job-1: HTTP 500 from upstream');
    item.click!();
    expect(actions.openJob).toHaveBeenCalledWith('job-1');
    controller.markSeen();
    expect(icon()).toBe('/icons/tray-idle.png');
    expect(menu().find('failure:job-1')).toBeDefined();
    menu().find('open')!.click!();
    expect(actions.openDashboard).toHaveBeenCalledTimes(1);
    tray.emit('click');
    expect(actions.openDashboard).toHaveBeenCalledTimes(2);
    menu().find('quit')!.click!();
    expect(actions.quit).toHaveBeenCalledTimes(1);
  });

  it('uses template images on macOS and the running icon while jobs run', async () => {
    const fakeEngine = {
      events: manager as never,
      counts: async () => ({ running: 2, queued: 1, pausedQueues: 0 }),
      pauseAll: async () => undefined,
      resumeAll: async () => undefined,
    };
    const mac = new TrayController(deps, fakeEngine, actions, { iconDir: '/icons', platform: 'darwin' });
    await mac.start();
    expect(icon()).toBe('/icons/trayTemplate.png');
    expect(tray.title).toBe('2');
    mac.destroy();
    const linux = new TrayController(deps, fakeEngine, actions, { iconDir: '/icons', platform: 'linux' });
    await linux.start();
    expect(icon()).toBe('/icons/tray-running.png');
    linux.destroy();
  });
});
