/**
 * The IPC side of the dashboard client: wraps the preload bridge (`window.jobhandle`, see
 * src/shared/desktop-bridge.ts) so that every contract method is an async function that resolves
 * its result or rejects with an AppError carrying the engine's code.
 */
import { METHOD_NAMES } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { createEnvelopeClient, type JobHandleBridge } from '../../../shared/desktop-bridge';
import type { DashboardClient } from './client';

function bridgeOf(win: Window): JobHandleBridge | null {
  const candidate = win.jobhandle as Partial<JobHandleBridge> | undefined;
  if (!candidate || typeof candidate.invoke !== 'function' || typeof candidate.subscribe !== 'function') return null;
  return candidate as JobHandleBridge;
}

/** True when the preload exposed the contract bridge (we run inside the Electron app). */
export function hasIpcBridge(win: Window): boolean {
  return bridgeOf(win) !== null;
}

/**
 * A DashboardClient over the preload bridge. Input: a window whose `jobhandle` bridge exists.
 * Output: the client. Errors: throws CONFIG when the bridge is missing.
 */
export function createIpcClient(win: Window): DashboardClient {
  const bridge = bridgeOf(win);
  if (!bridge) throw new AppError('CONFIG', 'the Electron preload bridge is missing');
  const api = createEnvelopeClient((method, input) => bridge.invoke(method, input as never), METHOD_NAMES);
  return {
    transport: 'ipc',
    api,
    // IPC does not disconnect: there is no reconnect to report.
    subscribe: (listener) => bridge.subscribe(listener),
    // The main process shows the save dialog and writes the file (exports:save).
    downloadCsv: async (name, query) => (await api['exports:save']({ name, input: query })).saved,
  };
}
