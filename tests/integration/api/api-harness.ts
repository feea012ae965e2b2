/**
 * Harness for the API tests: a real engine (SQLite in a temp dir, real worker processes) behind
 * a real API server on 127.0.0.1 port 0, the HTTP client of src/shared/http-client.ts (with the
 * `ws` package's WebSocket), and a raw request helper for headers fetch will not send (Host).
 */
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { startApiServer, type RunningApiServer, type StartApiServerOptions } from '../../../src/main/api';
import type { SettingsFile } from '../../../src/main/engine/config';
import { createHttpClient, type HttpClient, type WebSocketConstructor } from '../../../src/shared/http-client';
import { startEngine, type TestEngine } from '../../helpers/engine';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = resolve(here, '../../..');
export const EXTRACTION_HANDLER = join(REPO_ROOT, 'examples/handlers/text-extraction.mjs');

/** No host monitoring (a busy test machine must not hold jobs back); the extraction example registered. */
export const API_TEST_SETTINGS: SettingsFile = {
  handlers: { extraction: { module: EXTRACTION_HANDLER } },
  resources: { monitoring: false, autoScale: false },
  thresholds: { cpuPercent: 100, memoryPercent: 100 },
};

export interface ApiHarness {
  engine: TestEngine;
  api: RunningApiServer;
  /** `http://127.0.0.1:<port>` */
  base: string;
  token: string;
  client: HttpClient;
  /** fetch with the token (unless `auth: false`) and JSON body; parsed JSON answer. */
  call(method: string, path: string, options?: { body?: unknown; rawBody?: string; auth?: boolean | string; headers?: Record<string, string> }): Promise<{ status: number; headers: Headers; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers of many shapes
  close(): Promise<void>;
}

/** A fresh engine and API server. `settings` go on top of API_TEST_SETTINGS. */
export async function startApiHarness(
  settings: SettingsFile = {},
  serverOptions: Partial<Omit<StartApiServerOptions, 'manager' | 'config'>> = {},
): Promise<ApiHarness> {
  const engine = await startEngine({ overrides: { ...API_TEST_SETTINGS, ...settings, handlers: { ...API_TEST_SETTINGS.handlers, ...settings.handlers } } });
  const rendererDir = join(engine.dir, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>test dashboard</title><script type="module" src="./assets/app.js"></script>');
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("dashboard");\n');
  writeFileSync(join(engine.dir, 'secret.txt'), 'outside the renderer folder\n');
  const api = await startApiServer({ manager: engine.manager, config: engine.config, port: 0, rendererDir, ...serverOptions });
  const base = api.url;
  const client = createHttpClient({ baseUrl: base, token: api.token, WebSocket: WebSocket as unknown as WebSocketConstructor });
  return {
    engine,
    api,
    base,
    token: api.token,
    client,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      if (options.auth !== false) headers.Authorization = `Bearer ${typeof options.auth === 'string' ? options.auth : api.token}`;
      let body: string | undefined = options.rawBody;
      if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['Content-Type'] ??= 'application/json';
      const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
      const text = await res.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = text;
      }
      return { status: res.status, headers: res.headers, body: parsed };
    },
    async close() {
      await api.close();
      await engine.cleanup();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request with exactly these headers (Host included), via node:http. */
export function rawRequest(
  port: number,
  options: { method?: string; path: string; headers?: Record<string, string>; body?: string | Buffer },
): Promise<RawResponse> {
  return new Promise((resolvePromise, reject) => {
    const req = request({ host: '127.0.0.1', port, method: options.method ?? 'GET', path: options.path, headers: options.headers ?? {}, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
