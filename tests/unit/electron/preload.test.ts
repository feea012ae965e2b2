import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { METHOD_NAMES, type EventBatch } from '../../../src/shared/contract';
import { createEnvelopeClient, EVENTS_CHANNEL, METHOD_NAME_PATTERN, METHODS_FLAG, type JobHandleBridge } from '../../../src/shared/desktop-bridge';
import { AppError } from '../../../src/shared/errors';
import { FakeContextBridge, FakeIpcRenderer } from '../../helpers/fake-electron';

const fake = vi.hoisted(() => ({ contextBridge: null as unknown, ipcRenderer: null as unknown }));
vi.mock('electron', () => ({
  get contextBridge() {
    return fake.contextBridge;
  },
  get ipcRenderer() {
    return fake.ipcRenderer;
  },
}));

describe('preload', () => {
  let bridge: FakeContextBridge;
  let ipc: FakeIpcRenderer;
  const argv = process.argv;

  beforeEach(() => {
    vi.resetModules();
    bridge = new FakeContextBridge();
    ipc = new FakeIpcRenderer();
    fake.contextBridge = bridge;
    fake.ipcRenderer = ipc;
    process.argv = [...argv, `${METHODS_FLAG}${METHOD_NAMES.join(',')},bad name,evil:channel;rm`];
  });
  afterEach(() => {
    process.argv = argv;
  });

  const load = async (): Promise<JobHandleBridge> => {
    await import('../../../src/preload/index');
    expect([...bridge.exposed.keys()]).toEqual(['jobhandle']);
    return bridge.exposed.get('jobhandle') as JobHandleBridge;
  };

  it('every contract method name passes the preload\'s name check', () => {
    expect(METHOD_NAMES.filter((name) => !METHOD_NAME_PATTERN.test(name))).toEqual([]);
  });

  it('exposes exactly invoke, api (one function per contract method) and subscribe', async () => {
    const api = await load();
    expect(Object.keys(api).sort()).toEqual(['api', 'invoke', 'subscribe']);
    expect(Object.keys(api.api).sort()).toEqual([...METHOD_NAMES].sort());
    for (const fn of Object.values(api.api)) expect(typeof fn).toBe('function');
    expect(Object.isFrozen(api)).toBe(true);
  });

  it('invokes on the method channel and returns the envelope; unknown methods never reach IPC', async () => {
    const api = await load();
    ipc.reply = () => ({ ok: false, error: { name: 'AppError', code: 'NOT_FOUND', message: 'no job with id x' } });
    const envelope = await api.invoke('jobs:get', { id: 'x' });
    expect(ipc.invoked).toEqual([{ channel: 'jobs:get', args: [{ id: 'x' }] }]);
    expect(envelope).toEqual({ ok: false, error: { name: 'AppError', code: 'NOT_FOUND', message: 'no job with id x' } });
    await api.api['stats:get']({});
    expect(ipc.invoked.at(-1)!.channel).toBe('stats:get');
    expect(await api.invoke('evil:channel' as never, {} as never)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(ipc.invoked).toHaveLength(2);

    // The renderer turns envelopes back into typed errors.
    const client = createEnvelopeClient(api.invoke as never, METHOD_NAMES);
    const error = await client['jobs:get']({ id: 'x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('NOT_FOUND');
  });

  it('subscribe delivers batches (without the IPC event) until unsubscribed', async () => {
    const api = await load();
    const seen: EventBatch[] = [];
    const unsubscribe = api.subscribe((batch) => seen.push(batch));
    const batch: EventBatch = [{ event: 'ui:navigate', payload: { jobId: 'j1' } }];
    ipc.emit(EVENTS_CHANNEL, { sender: 'secret' }, batch);
    ipc.emit(EVENTS_CHANNEL, {}, 'not a batch');
    expect(seen).toEqual([batch]);
    unsubscribe();
    unsubscribe();
    ipc.emit(EVENTS_CHANNEL, {}, batch);
    expect(seen).toHaveLength(1);
    expect(ipc.listenerCount(EVENTS_CHANNEL)).toBe(0);
  });
});
