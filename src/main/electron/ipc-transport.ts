/**
 * The contract over Electron IPC — the only main-process file that touches ipcMain.
 *
 * Methods: one `ipcMain.handle` channel per contract method, named like the method
 * (`jobs:submit`), so the channel list is the contract and nothing else. Each call is checked
 * before any service runs: the sender must be an attached window's own webContents, its top
 * frame, at the app's own URL (the built file or the dev server's origin); then `invokeMethod`
 * validates the input with the method's schema. The answer is always an Envelope.
 *
 * Events: each attached window gets its own EventBatcher over the engine's events and receives
 * batches on EVENTS_CHANNEL (at most one per `batchIntervalMs`, progress coalesced per job).
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { AppError } from '../../shared/errors';
import { METHOD_NAMES, type Envelope, type EventMap, type EventName, type MethodName } from '../../shared/contract';
import { EVENTS_CHANNEL } from '../../shared/desktop-bridge';
import type { ContractHandlers } from '../../shared/contract';
import { invokeMethod } from '../services/contract-handlers';
import { EventBatcher, type EventSource } from '../services/event-batcher';

/** The webContents parts the transport uses. */
export type TransportWebContents = Pick<WebContents, 'id' | 'send' | 'isDestroyed' | 'once' | 'mainFrame'>;

export interface IpcTransportOptions {
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  handlers: ContractHandlers;
  /** Engine events to forward to windows. */
  events: EventSource;
  /** True for the app's own page URL (see appUrlMatcher). */
  isAllowedUrl: (url: string) => boolean;
  /** Methods to serve (default: every contract method). */
  methods?: readonly MethodName[];
  /** Minimum time between two event batches to one window (default 100 ms: ≤ 10 a second). */
  batchIntervalMs?: number;
  /** Told about each refused call (for the log); never sees the input. */
  onRefused?: (method: string, reason: string) => void;
}

/**
 * A matcher for the app's own page: the exact built file URL (query and hash ignored), or any
 * URL on the dev server's origin in development.
 */
export function appUrlMatcher(options: { fileUrl: string; devServerUrl?: string | undefined }): (url: string) => boolean {
  const file = new URL(options.fileUrl);
  const devOrigin = options.devServerUrl ? new URL(options.devServerUrl).origin : null;
  return (raw) => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return false;
    }
    if (url.protocol === 'file:') return url.pathname === file.pathname && url.host === file.host;
    return devOrigin !== null && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === devOrigin;
  };
}

export class IpcTransport {
  private readonly windows = new Map<number, { contents: TransportWebContents; batcher: EventBatcher }>();
  private readonly methods: readonly MethodName[];
  private started = false;

  constructor(private readonly options: IpcTransportOptions) {
    this.methods = options.methods ?? METHOD_NAMES;
  }

  /** Register one handler per method. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const method of this.methods) {
      this.options.ipcMain.handle(method, (event, input: unknown) => this.handle(method, event, input));
    }
  }

  /**
   * Check the sender, validate, run. Answers an envelope; a refused sender gets FORBIDDEN and no
   * service runs.
   */
  async handle(method: MethodName, event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>, input: unknown): Promise<Envelope<unknown>> {
    const refusal = this.checkSender(event);
    if (refusal) {
      this.options.onRefused?.(method, refusal);
      return { ok: false, error: new AppError('FORBIDDEN', `IPC call ${method} refused: ${refusal}`).toWire() };
    }
    return invokeMethod(this.options.handlers, method, input);
  }

  /** Why this sender may not call (null when it may). */
  checkSender(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): string | null {
    const entry = event.sender ? this.windows.get(event.sender.id) : undefined;
    if (!entry || entry.contents !== event.sender) return 'the sender is not an app window';
    const frame = event.senderFrame;
    if (!frame || frame.detached) return 'the sending frame is gone';
    if (frame.parent !== null || frame !== entry.contents.mainFrame) return 'the sender is not the top frame';
    if (!this.options.isAllowedUrl(frame.url)) return 'the sending page is not the app';
    return null;
  }

  /** Accept calls from this window and send it event batches until it is destroyed; returns detach. */
  attach(contents: TransportWebContents): () => void {
    const existing = this.windows.get(contents.id);
    if (existing) return () => this.detach(contents.id);
    const batcher = new EventBatcher(
      this.options.events,
      (batch) => {
        if (!contents.isDestroyed()) contents.send(EVENTS_CHANNEL, batch);
      },
      { intervalMs: this.options.batchIntervalMs ?? 100 },
    );
    this.windows.set(contents.id, { contents, batcher });
    contents.once('destroyed', () => this.detach(contents.id));
    return () => this.detach(contents.id);
  }

  private detach(id: number): void {
    const entry = this.windows.get(id);
    if (!entry) return;
    this.windows.delete(id);
    entry.batcher.close();
  }

  /** Send an app event (e.g. `ui:navigate`) to every window at once, after what is queued. */
  sendEvent<E extends EventName>(event: E, payload: EventMap[E]): void {
    for (const { batcher } of this.windows.values()) {
      batcher.push(event, payload);
      batcher.flush();
    }
  }

  /** Remove the handlers and stop every window's batcher. */
  stop(): void {
    if (this.started) for (const method of this.methods) this.options.ipcMain.removeHandler(method);
    this.started = false;
    for (const id of [...this.windows.keys()]) this.detach(id);
  }
}
