/**
 * The dashboard's transport-agnostic client. Inside Electron it talks to the engine through the
 * preload bridge (`window.jobhandle`, IPC); in a browser tab it uses HTTP for methods and a
 * WebSocket for events (src/shared/http-client.ts). Nothing else in the renderer knows which.
 */
import type { ContractApi, CsvExportName, EventBatch } from '../../../shared/contract';
import { createIpcClient, hasIpcBridge } from './ipc-transport';
import { createBrowserClient } from './http-transport';

/** What the renderer talks to: every contract method, plus the event stream. */
export interface DashboardClient {
  /** Which transport carries the calls: shown in Settings, never branched on by screens. */
  readonly transport: 'ipc' | 'http';
  /** One async function per contract method; rejects with an AppError carrying its code. */
  readonly api: ContractApi;
  /**
   * Receive event batches (coalesced progress, ≤ ~10 a second). Returns the function that stops
   * the subscription. The store subscribes once at startup.
   */
  subscribe(listener: (batch: EventBatch) => void, options?: { onOpen?: () => void }): () => void;
  /**
   * Save one of the engine's CSV exports (CSV_EXPORTS) with a query as a file: over HTTP a browser
   * download; over IPC the desktop app's save dialog (`exports:save`). Resolves false when the
   * user cancelled the dialog. Rejects with an AppError carrying the engine's code.
   */
  downloadCsv?(name: CsvExportName, query: Record<string, unknown>): Promise<boolean | void>;
}

/**
 * Pick the transport for this window. Input: the global window. Output: a DashboardClient over
 * IPC when the preload bridge is present, else over HTTP/WebSocket to the page's own origin.
 * Errors: none here; calls reject with UNAUTHORIZED later when the browser has no token.
 */
export function createDashboardClient(win: Window = window): DashboardClient {
  if (hasIpcBridge(win)) return createIpcClient(win);
  return createBrowserClient(win);
}
