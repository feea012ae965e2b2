/**
 * The contract over HTTP, for a browser tab (the dashboard served by `jobhandle serve`), scripts
 * and tests: `api` has one async function per contract method, its route derived from CONTRACT;
 * errors come back as AppError with their code. `subscribe` receives EventBatches over a
 * WebSocket, reconnecting with backoff.
 *
 * Pure TypeScript: uses only `fetch` and a WebSocket constructor (the browser's, or `ws` in
 * Node, passed in), no node, electron or DOM-only APIs.
 */
import { AppError } from './errors';
import { CONTRACT, METHOD_NAMES, type ContractApi, type EventBatch, type MethodName } from './contract';

/** What `subscribe` needs of a WebSocket (the browser's and the `ws` package's both fit). */
export interface WebSocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}
export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface HttpClientOptions {
  /** `http://127.0.0.1:7878`; '' (default) for the page's own origin in a browser. */
  baseUrl?: string;
  /** The bearer token, or a function returning the current one. */
  token: string | (() => string | null);
  fetch?: typeof fetch;
  /** Default: the global WebSocket (browsers; Node 22+). */
  WebSocket?: WebSocketConstructor;
}

export interface SubscribeOptions {
  /** The server confirmed the subscription (also after each reconnect). */
  onOpen?: () => void;
  /** The connection dropped; `retryInMs` null: no retry (the token was refused). */
  onDisconnect?: (info: { code: number; reason: string; retryInMs: number | null }) => void;
  /** Backoff bounds (ms): default 500 → 10,000, doubling, with jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

export interface HttpClient {
  api: ContractApi;
  /** Receive every EventBatch until the returned function is called. */
  subscribe(listener: (batch: EventBatch) => void, options?: SubscribeOptions): () => void;
  /** One method by name (what `api[name]` calls). */
  invoke(name: MethodName, input: unknown): Promise<unknown>;
}

/** The server closes a WebSocket with this code when the token is wrong. */
const WS_UNAUTHORIZED = 4401;

function currentToken(token: HttpClientOptions['token']): string | null {
  return typeof token === 'function' ? token() : token;
}

/** Fill `:name` path segments from `input`; the rest of the input is returned apart. */
function fillPath(path: string, input: Record<string, unknown>): { path: string; rest: Record<string, unknown> } {
  const rest = { ...input };
  const filled = path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, name: string) => {
    const value = rest[name];
    delete rest[name];
    if (value === undefined || value === null || value === '') {
      throw new AppError('VALIDATION', `invalid input: ${name}: required`);
    }
    return encodeURIComponent(String(value));
  });
  return { path: filled, rest };
}

function queryString(input: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(input)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A client of the JobHandle HTTP API at `baseUrl`. */
export function createHttpClient(options: HttpClientOptions): HttpClient {
  const base = (options.baseUrl ?? '').replace(/\/+$/, '');
  const doFetch = options.fetch ?? ((...args: Parameters<typeof fetch>) => fetch(...args));

  async function invoke(name: MethodName, rawInput: unknown): Promise<unknown> {
    const spec = CONTRACT[name];
    const input = (rawInput ?? {}) as Record<string, unknown>;
    const { path, rest } = fillPath(spec.http.path, input);
    const isGet = spec.http.method === 'GET';
    const token = currentToken(options.token);
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (!isGet) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await doFetch(`${base}${path}${isGet ? queryString(rest) : ''}`, {
        method: spec.http.method,
        headers,
        ...(isGet ? {} : { body: JSON.stringify(rest) }),
      });
    } catch (err) {
      throw new AppError('BACKEND_UNAVAILABLE', `cannot reach the JobHandle server${base ? ` at ${base}` : ''}: ${(err as Error).message}`);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    const ok = response.ok || (name === 'health:get' && response.status === 503 && body !== null && !(body as { error?: unknown }).error);
    if (ok) return body;
    const wire = (body as { error?: unknown } | null)?.error;
    if (wire) throw AppError.fromWire(wire);
    throw new AppError('INTERNAL', `HTTP ${response.status} from ${spec.http.method} ${path}`);
  }

  const api = Object.fromEntries(METHOD_NAMES.map((name) => [name, (input: unknown) => invoke(name, input)])) as unknown as ContractApi;

  function subscribe(listener: (batch: EventBatch) => void, sub: SubscribeOptions = {}): () => void {
    const Ctor = options.WebSocket ?? (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
    if (!Ctor) throw new AppError('CONFIG', 'no WebSocket implementation: pass one as the WebSocket option');
    const minDelay = sub.minDelayMs ?? 500;
    const maxDelay = sub.maxDelayMs ?? 10_000;
    let delay = minDelay;
    let stopped = false;
    let socket: WebSocketLike | null = null;
    let retry: ReturnType<typeof setTimeout> | null = null;
    const wsBase = base || (globalThis as { location?: { origin: string } }).location?.origin || '';
    const url = `${wsBase.replace(/^http/, 'ws')}/api/events`;

    const connect = () => {
      if (stopped) return;
      const ws = new Ctor(url);
      socket = ws;
      let confirmed = false;
      // The token goes in the first message, not the URL: URLs end up in logs and histories.
      ws.onopen = () => ws.send(JSON.stringify({ type: 'auth', token: currentToken(options.token) ?? '' }));
      ws.onmessage = (event) => {
        let batch: unknown;
        try {
          batch = JSON.parse(String(event.data));
        } catch {
          return;
        }
        if (!Array.isArray(batch)) return;
        if (!confirmed) {
          confirmed = true;
          delay = minDelay;
          sub.onOpen?.();
        }
        if (batch.length) listener(batch as EventBatch);
      };
      ws.onerror = () => undefined; // onclose follows
      ws.onclose = (event) => {
        if (socket === ws) socket = null;
        if (stopped) return;
        if (event.code === WS_UNAUTHORIZED) {
          sub.onDisconnect?.({ code: event.code, reason: event.reason, retryInMs: null });
          return;
        }
        const wait = Math.round(delay * (0.75 + Math.random() * 0.5));
        delay = Math.min(delay * 2, maxDelay);
        sub.onDisconnect?.({ code: event.code, reason: event.reason, retryInMs: wait });
        retry = setTimeout(connect, wait);
      };
    };
    connect();
    return () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      socket?.close(1000, 'unsubscribed');
      socket = null;
    };
  }

  return { api, subscribe, invoke };
}
