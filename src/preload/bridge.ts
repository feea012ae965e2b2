/**
 * Builds `window.jobhandle` from the narrow parts of ipcRenderer it needs. Kept apart from the
 * entry (index.ts) so it can be exercised with a fake ipcRenderer. The method names come from the
 * main process (a command-line flag, see METHODS_FLAG), so this bundle never imports the contract's
 * zod schemas; their types still come from the contract.
 */
import type { Envelope, EventBatch, MethodName } from '../shared/contract';
import {
  EVENTS_CHANNEL,
  METHOD_NAME_PATTERN,
  METHODS_FLAG,
  type EnvelopeApi,
  type JobHandleBridge,
} from '../shared/desktop-bridge';

/** The parts of Electron's ipcRenderer the bridge uses. */
export interface BridgeIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** Method names passed by main in `--jobhandle-methods=a:b,c:d`; malformed names are dropped. */
export function readMethodNames(argv: readonly string[]): MethodName[] {
  const flag = argv.find((arg) => arg.startsWith(METHODS_FLAG));
  if (!flag) return [];
  const names = flag
    .slice(METHODS_FLAG.length)
    .split(',')
    .filter((name) => METHOD_NAME_PATTERN.test(name));
  return [...new Set(names)] as MethodName[];
}

function transportError(message: string): Envelope<never> {
  return { ok: false, error: { name: 'AppError', code: 'INTERNAL', message } };
}

/**
 * The bridge object: `invoke`, `api` (one function per known method) and `subscribe`. Invoking a
 * name main did not announce answers a NOT_FOUND envelope without touching IPC.
 */
export function createBridge(ipc: BridgeIpc, methods: readonly MethodName[]): JobHandleBridge {
  const known = new Set<string>(methods);
  const invoke = async (method: MethodName, input: unknown): Promise<Envelope<unknown>> => {
    if (!known.has(method)) {
      return { ok: false, error: { name: 'AppError', code: 'NOT_FOUND', message: `unknown method ${JSON.stringify(method)}` } };
    }
    try {
      return (await ipc.invoke(method, input)) as Envelope<unknown>;
    } catch (err) {
      return transportError(`IPC call ${method} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const api: Record<string, (input: unknown) => Promise<Envelope<unknown>>> = {};
  for (const method of known) api[method] = (input) => invoke(method as MethodName, input);

  const subscribe = (listener: (batch: EventBatch) => void): (() => void) => {
    if (typeof listener !== 'function') throw new TypeError('subscribe(listener): listener must be a function');
    // The IpcRendererEvent (with its sender) never reaches the page.
    const onBatch = (_event: unknown, batch: unknown) => {
      if (Array.isArray(batch)) listener(batch as EventBatch);
    };
    ipc.on(EVENTS_CHANNEL, onBatch);
    let active = true;
    return () => {
      if (!active) return;
      active = false;
      ipc.removeListener(EVENTS_CHANNEL, onBatch);
    };
  };

  return Object.freeze({
    invoke: invoke as JobHandleBridge['invoke'],
    api: Object.freeze(api) as unknown as EnvelopeApi,
    subscribe,
  });
}
