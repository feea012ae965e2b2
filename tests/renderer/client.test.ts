// @vitest-environment jsdom
/**
 * The transport-agnostic client: the IPC bridge's envelopes become results or AppErrors with their
 * code; without a bridge the browser transport is chosen and the URL-fragment token is moved into
 * sessionStorage; engine errors read in plain words with their code.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Envelope, EventBatch } from '../../src/shared/contract';
import { AppError } from '../../src/shared/errors';
import type { JobHandleBridge } from '../../src/shared/desktop-bridge';
import { createDashboardClient } from '../../src/renderer/src/api/client';
import { describeError } from '../../src/renderer/src/api/errors';
import { readToken } from '../../src/renderer/src/api/http-transport';
import { makeJob } from './render-helpers';

afterEach(() => {
  delete (window as { jobhandle?: unknown }).jobhandle;
  sessionStorage.clear();
});

describe('createDashboardClient', () => {
  it('uses the IPC bridge inside Electron: results unwrapped, errors rebuilt with their code', async () => {
    const invoke = vi.fn(async (method: string): Promise<Envelope<unknown>> =>
      method === 'jobs:get' ? { ok: true, result: makeJob() } : { ok: false, error: { name: 'AppError', code: 'NOT_FOUND', message: 'no job "x"' } },
    );
    const listeners: Array<(b: EventBatch) => void> = [];
    const bridge = { invoke, api: {}, subscribe: (l: (b: EventBatch) => void) => (listeners.push(l), () => undefined) } as unknown as JobHandleBridge;
    Object.defineProperty(window, 'jobhandle', { value: bridge, configurable: true });
    const client = createDashboardClient(window);
    expect(client.transport).toBe('ipc');
    // CSV exports go through the main process's save dialog (exports:save), not a download.
    invoke.mockImplementationOnce(async () => ({ ok: true, result: { saved: true, path: '/home/u/jobs.csv', rows: 3, bytes: 90 } }));
    await expect(client.downloadCsv!('jobs', { status: 'failed' })).resolves.toBe(true);
    expect(invoke).toHaveBeenLastCalledWith('exports:save', { name: 'jobs', input: { status: 'failed' } });
    await expect(client.api['jobs:get']({ id: 'job-1' })).resolves.toMatchObject({ id: 'job-1' });
    const failure = await client.api['jobs:cancel']({ id: 'x' }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(AppError);
    expect((failure as AppError).code).toBe('NOT_FOUND');
    const got: EventBatch[] = [];
    client.subscribe((b) => got.push(b));
    listeners[0]!([{ event: 'job:progress', payload: { id: 'a', progress: 5, message: null } }]);
    expect(got).toHaveLength(1);
  });

  it('uses HTTP in a browser and moves the #token fragment into sessionStorage', () => {
    history.replaceState(null, '', '/#token=secret-123');
    const client = createDashboardClient(window);
    expect(client.transport).toBe('http');
    expect(typeof client.downloadCsv).toBe('function');
    expect(readToken(window)).toBe('secret-123');
    expect(location.hash).toBe('#/overview');
  });
});

describe('describeError', () => {
  it('puts engine errors in plain words with their code', () => {
    expect(describeError(new AppError('NOT_FOUND', 'no job "x"'))).toBe('Not found: no job "x" (NOT_FOUND)');
    expect(describeError({ name: 'AppError', code: 'CONFLICT', message: 'job is completed' })).toBe('Not possible in the current state: job is completed (CONFLICT)');
    expect(describeError(new Error('boom'))).toBe('Something went wrong inside the engine: boom (INTERNAL)');
  });
});
