import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { QuitController } from '../../../src/main/electron/app-lifecycle';
import { loadConfig } from '../../../src/main/engine/config';
import { JobManager } from '../../../src/main/engine/manager';
import { asElectron, FakeApp } from '../../helpers/fake-electron';

describe('quit', () => {
  it("waits for the engine's graceful shutdown before app.exit, and runs it once", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'jh-quit-'));
    const manager = await JobManager.open({
      config: loadConfig({ env: { JOBHANDLE_DATA_DIR: dir }, overrides: { workers: { min: 1 }, shutdownGraceSeconds: 1 } }),
    });
    await manager.start();
    expect(manager.isEngine).toBe(true);
    const app = new FakeApp();
    const order: string[] = [];
    const stop = vi.spyOn(manager, 'stop');
    const originalStop = stop.getMockImplementation() ?? JobManager.prototype.stop;
    stop.mockImplementation(async function (this: JobManager, ...args: [number?]) {
      order.push('stop:begin');
      await originalStop.apply(this, args);
      order.push('stop:resolved');
    });
    const origExit = app.exit.bind(app);
    app.exit = (code = 0) => {
      order.push(`exit:${code}`);
      origExit(code);
    };
    const quit = new QuitController({ app: asElectron(app), shutdown: () => manager.close() });
    quit.install();
    expect(quit.quitting).toBe(false);

    quit.quit();
    expect(quit.quitting).toBe(true);
    app.quit(); // a second click while shutting down
    app.quit();
    expect(app.exitCode).toBeNull();
    await quit.done;
    expect(order).toEqual(['stop:begin', 'stop:resolved', 'exit:0']);
    expect(stop).toHaveBeenCalledTimes(1);
    expect(manager.isEngine).toBe(false);
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits with 1 and says why when the shutdown fails', async () => {
    const app = new FakeApp();
    const errors: string[] = [];
    const quit = new QuitController({
      app: asElectron(app),
      shutdown: async () => {
        throw new Error('disk gone');
      },
      onError: (m) => errors.push(m),
    });
    quit.install();
    quit.quit();
    await quit.done;
    expect(app.exitCode).toBe(1);
    expect(errors).toEqual(['JobHandle did not shut down cleanly: disk gone']);
  });
});
