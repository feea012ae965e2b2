import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EventEmitter } from 'node:events';
import { appUrlMatcher, IpcTransport } from '../../../src/main/electron/ipc-transport';
import { managerEvents } from '../../../src/main/electron/engine-adapter';
import { loadConfig } from '../../../src/main/engine/config';
import { JobManager } from '../../../src/main/engine/manager';
import { createContractHandlers } from '../../../src/main/services/contract-handlers';
import { METHOD_NAMES, type EventBatch } from '../../../src/shared/contract';
import { EVENTS_CHANNEL } from '../../../src/shared/desktop-bridge';
import { asElectron, FakeIpcMain, FakeWebContents, FakeWebFrame } from '../../helpers/fake-electron';

const APP_URL = 'file:///app/out/renderer/index.html';

describe('IPC transport', () => {
  let dir: string;
  let manager: JobManager;
  let ipcMain: FakeIpcMain;
  let transport: IpcTransport;
  let window: FakeWebContents;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'jh-ipc-'));
    manager = await JobManager.open({ config: loadConfig({ env: { JOBHANDLE_DATA_DIR: dir } }) });
    ipcMain = new FakeIpcMain();
    transport = new IpcTransport({
      ipcMain: asElectron(ipcMain),
      handlers: createContractHandlers({ manager, version: '0.0.0-test' }),
      events: managerEvents(manager),
      isAllowedUrl: appUrlMatcher({ fileUrl: APP_URL }),
    });
    transport.start();
    window = new FakeWebContents(undefined, `${APP_URL}#/jobs`);
    transport.attach(asElectron(window));
  });
  afterEach(async () => {
    transport.stop();
    await manager.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers one channel per contract method', () => {
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...METHOD_NAMES].sort());
  });

  it('runs a valid call from the app window and answers the envelope', async () => {
    const reply = (await ipcMain.invoke('jobs:submit', window, { type: 'cleanup', parameters: { daysOld: 3 } })) as {
      ok: boolean;
      result: { id: string; status: string };
    };
    expect(reply, JSON.stringify(reply)).toMatchObject({ ok: true });
    expect(reply.result.status).toBe('pending');
    const got = (await ipcMain.invoke('jobs:get', window, { id: reply.result.id })) as { ok: boolean; result: { id: string } };
    expect(got).toMatchObject({ ok: true, result: { id: reply.result.id } });
    const missing = await ipcMain.invoke('jobs:get', window, { id: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { name: 'AppError', code: 'NOT_FOUND' } });
  });

  it('rejects a bad input with a VALIDATION envelope naming the field, before any service runs', async () => {
    const submit = vi.spyOn(manager, 'submitJob');
    const reply = await ipcMain.invoke('jobs:submit', window, { type: 'Bad Type!', surprise: 1 });
    expect(reply).toMatchObject({ ok: false, error: { name: 'AppError', code: 'VALIDATION' } });
    expect((reply as { error: { message: string } }).error.message).toMatch(/type|surprise/);
    expect(submit).not.toHaveBeenCalled();
    const cancel = vi.spyOn(manager, 'cancelJob');
    expect(await ipcMain.invoke('jobs:cancel', window, 'not an object')).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(cancel).not.toHaveBeenCalled();
  });

  it('refuses foreign senders with FORBIDDEN and runs no service', async () => {
    const submit = vi.spyOn(manager, 'submitJob');
    const input = { type: 'cleanup' };
    // another webContents (never attached)
    const stranger = new FakeWebContents(undefined, APP_URL);
    expect(await ipcMain.invoke('jobs:submit', stranger, input)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // a sub-frame of the app window
    const child = new FakeWebFrame(APP_URL);
    child.parent = window.mainFrame;
    expect(await ipcMain.invoke('jobs:submit', window, input, child)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // a top frame that is not the window's main frame object
    expect(await ipcMain.invoke('jobs:submit', window, input, new FakeWebFrame(APP_URL))).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // no frame (navigated away / destroyed)
    expect(await ipcMain.invoke('jobs:submit', window, input, null)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    // the app window navigated to a foreign page
    window.mainFrame.url = 'https://evil.example/';
    expect(await ipcMain.invoke('jobs:submit', window, input)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    window.mainFrame.url = 'file:///somewhere/else.html';
    expect(await ipcMain.invoke('jobs:submit', window, input)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(submit).not.toHaveBeenCalled();
    // a destroyed window is detached
    window.mainFrame.url = APP_URL;
    window.destroy();
    expect(await ipcMain.invoke('jobs:submit', window, input)).toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    expect(submit).not.toHaveBeenCalled();
  });

  it('accepts the dev server origin only in development', () => {
    const dev = appUrlMatcher({ fileUrl: APP_URL, devServerUrl: 'http://localhost:5173/' });
    expect(dev('http://localhost:5173/#/jobs')).toBe(true);
    expect(dev('http://localhost:5174/')).toBe(false);
    expect(dev('http://127.0.0.1:5173/')).toBe(false);
    expect(appUrlMatcher({ fileUrl: APP_URL })('http://localhost:5173/')).toBe(false);
    expect(dev('not a url')).toBe(false);
  });
});

describe('IPC event batching', () => {
  afterEach(() => vi.useRealTimers());

  it('turns a burst of 10,000 job events into ≤ ~10 messages a second; latest progress wins, no completion lost', () => {
    vi.useFakeTimers();
    const source = new EventEmitter();
    const transport = new IpcTransport({
      ipcMain: asElectron(new FakeIpcMain()),
      handlers: {} as never,
      events: asElectron(source),
      isAllowedUrl: () => true,
    });
    const window = new FakeWebContents();
    transport.attach(asElectron(window));

    const jobs = 100;
    const sentAt: number[] = [];
    const origSend = window.send.bind(window);
    window.send = (channel: string, ...args: unknown[]) => {
      sentAt.push(Date.now());
      origSend(channel, ...args);
    };
    const start = Date.now();
    // 10,000 events spread over 2 s: 5 per millisecond.
    for (let i = 0; i < 10_000; i++) {
      const id = `job-${i % jobs}`;
      if (i >= 9_900) source.emit('job:completed', { id, type: 't', queue: 'default', attempt: 1, result: null, durationMs: 1, finishedAt: i });
      else source.emit('job:progress', { id, progress: i / 100, message: `step ${i}` });
      if (i % 5 === 4) vi.advanceTimersByTime(1);
    }
    vi.advanceTimersByTime(1000);

    const elapsedS = (Date.now() - start) / 1000;
    expect(sentAt.length).toBeGreaterThan(0);
    expect(sentAt.length).toBeLessThanOrEqual(Math.ceil(elapsedS * 10) + 1);
    for (let i = 1; i < sentAt.length; i++) expect(sentAt[i]! - sentAt[i - 1]!).toBeGreaterThanOrEqual(100);

    const batches = window.sent.filter((m) => m.channel === EVENTS_CHANNEL).map((m) => m.args[0] as EventBatch);
    const all = batches.flat();
    // coalesced: at most one progress per job per batch, plus the completions
    expect(all.length).toBeLessThanOrEqual(batches.length * jobs + jobs);
    const lastProgress = new Map<string, number>();
    const completed = new Set<string>();
    for (const e of all) {
      if (e.event === 'job:progress') lastProgress.set(e.payload.id, e.payload.progress);
      if (e.event === 'job:completed') completed.add(e.payload.id);
    }
    expect(completed.size).toBe(jobs);
    for (let j = 0; j < jobs; j++) expect(lastProgress.get(`job-${j}`)).toBe((9_800 + j) / 100);
    transport.stop();
  });

  it('sends ui:navigate at once to every window', () => {
    const transport = new IpcTransport({
      ipcMain: asElectron(new FakeIpcMain()),
      handlers: {} as never,
      events: asElectron(new EventEmitter()),
      isAllowedUrl: () => true,
    });
    const window = new FakeWebContents();
    transport.attach(asElectron(window));
    transport.sendEvent('ui:navigate', { jobId: 'abc' });
    expect(window.sent).toEqual([{ channel: EVENTS_CHANNEL, args: [[{ event: 'ui:navigate', payload: { jobId: 'abc' } }]] }]);
    transport.stop();
  });
});
