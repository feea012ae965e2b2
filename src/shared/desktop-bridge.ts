/**
 * The desktop bridge: what the sandboxed preload exposes as `window.jobhandle`, derived from the
 * contract's types only (no runtime import of the contract, so the preload bundle stays free of
 * zod). A contract change the renderer does not follow fails the type check here and at every use.
 *
 * Transport (src/main/electron/ipc-transport.ts): one IPC channel per contract method, named like
 * the method (`jobs:submit`), answered with an Envelope; events arrive as EventBatch messages on
 * EVENTS_CHANNEL. Pure TypeScript: no node, no electron, no DOM.
 */
import { AppError } from './errors';
import type { ContractApi, Envelope, EventBatch, MethodInput, MethodName, MethodResult } from './contract';

/** The IPC channel that carries event batches from main to a window. */
export const EVENTS_CHANNEL = 'events:batch';

/** The command-line flag through which the main process hands the method names to the preload. */
export const METHODS_FLAG = '--jobhandle-methods=';

/** The shape of a contract method name (`domain:verb`); the preload refuses anything else. */
export const METHOD_NAME_PATTERN = /^[a-z][A-Za-z0-9]*:[a-z][A-Za-z0-9]*$/;

/** One function per contract method, each answering the method's envelope. */
export type EnvelopeApi = { [M in MethodName]: (input: MethodInput<M>) => Promise<Envelope<MethodResult<M>>> };

/** `window.jobhandle` inside the Electron app. */
export interface JobHandleBridge {
  /**
   * Invoke a contract method. Resolves the envelope (`{ok: true, result}` or `{ok: false, error}`);
   * never rejects for a service error, so the error's code survives the context bridge.
   */
  invoke<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Envelope<MethodResult<M>>>;
  /** The same, one typed function per method (built from the method names main passes in). */
  readonly api: EnvelopeApi;
  /** Receive every event batch; returns the function that stops it. */
  subscribe(listener: (batch: EventBatch) => void): () => void;
}

/** Result of an envelope, or its error as a typed AppError (with its code). */
export function unwrapEnvelope<R>(envelope: Envelope<R>): R {
  if (envelope && typeof envelope === 'object' && envelope.ok === true) return envelope.result;
  throw AppError.fromWire(envelope && typeof envelope === 'object' && 'error' in envelope ? envelope.error : envelope);
}

/**
 * A ContractApi over any envelope invoker (the bridge's `invoke`): results returned, errors
 * thrown as AppError with the code the main process gave. `methods` lists the names to expose.
 */
export function createEnvelopeClient(
  invoke: (method: MethodName, input: unknown) => Promise<Envelope<unknown>>,
  methods: readonly MethodName[],
): ContractApi {
  const api: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const method of methods) api[method] = async (input) => unwrapEnvelope(await invoke(method, input));
  return api as unknown as ContractApi;
}
