/**
 * The HTTP server of the API: guards (Host, Origin, token), the contract's REST routes (input
 * validated by invokeMethod, the envelope turned into a status code), the event streams, the
 * OpenAPI document and the dashboard's static files. node:http only.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { AppError, toAppError, type WireError } from '../../shared/errors';
import type { ContractHandlers } from '../../shared/contract';
import { invokeMethod } from '../services/contract-handlers';
import type { EventSource } from '../services/event-batcher';
import { buildRoutes, matchRoute, queryToInput, type ApiRoute } from './api-routes';
import { applySecurityHeaders, DEFAULT_MAX_BODY_BYTES, readJsonBody, sendError, sendJson, statusForCode } from './http-io';
import { buildOpenApiDocument, type ExtraPath } from './openapi';
import { bearerToken, checkHost, checkOrigin, checkToken, type HostPolicy } from './request-guards';
import { EventStreams, type EventStreamOptions } from './event-streams';
import { serveStatic } from './static-files';

/** A file download route outside the contract (CSV exports): GET only, streamed. */
export interface DownloadRoute extends ExtraPath {
  /** The file name offered to the browser. */
  fileName: string;
  /** The input from the query string. Errors: VALIDATION naming the field (nothing sent yet). */
  parse(query: URLSearchParams): unknown;
  /** Stream the file to `res` (status and headers already set) and end it. */
  stream(input: unknown, res: ServerResponse): Promise<void>;
}

export interface ApiServerOptions {
  handlers: ContractHandlers;
  events: EventSource;
  token: string;
  version: string;
  /** The built renderer (index.html + assets); null: a page saying how to build it. */
  rendererDir: string | null;
  /** Served at /favicon.ico when the renderer build has none (the app icon). */
  iconPath?: string | null;
  /** Accepted Host names besides the loopback ones ('*': any), for an explicit remote bind. */
  extraHosts?: readonly string[];
  maxBodyBytes?: number;
  downloads?: readonly DownloadRoute[];
  eventOptions?: Omit<EventStreamOptions, 'source' | 'token'>;
  /** Where the server reports its own failures (never a request's token or query). */
  log?: (line: string) => void;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Query keys a VALIDATION error names whose values were read as numbers/booleans/JSON, not text. */
function refusedQueryKeys(error: WireError, typed: Record<string, unknown>): string[] {
  const issues = (error.details as { issues?: Array<{ field?: unknown }> } | undefined)?.issues ?? [];
  const keys = new Set<string>();
  for (const issue of issues) {
    const key = /^[^.[]+/.exec(String(issue.field ?? ''))?.[0];
    if (key && Object.hasOwn(typed, key) && typeof typed[key] !== 'string') keys.add(key);
  }
  return [...keys];
}

/** A request target (`/path?query`) split without URL resolution (`//host/x` stays a path). */
function splitTarget(target: string | undefined): { pathname: string; searchParams: URLSearchParams } {
  const raw = target ?? '/';
  if (!raw.startsWith('/')) throw new AppError('VALIDATION', 'invalid request target: expected an absolute path');
  const q = raw.indexOf('?');
  return { pathname: q < 0 ? raw : raw.slice(0, q), searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)) };
}

/** The routes' server. Create, `listen(port, host)`, `close()`. */
export class ApiServer {
  readonly server: Server;
  readonly routes: ApiRoute[];
  private readonly streams: EventStreams;
  private readonly openapi: Record<string, unknown>;
  private readonly rendererRoot: string | null;
  private port = 0;

  constructor(private readonly options: ApiServerOptions) {
    this.routes = buildRoutes();
    this.openapi = buildOpenApiDocument(this.routes, options.version, options.downloads ?? []);
    this.rendererRoot = options.rendererDir ? resolve(options.rendererDir) : null;
    this.streams = new EventStreams({ source: options.events, token: options.token, ...options.eventOptions });
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => this.fail(res, err));
    });
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('clientError', (_err, socket) => {
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      else socket.destroy();
    });
  }

  /** Listen; resolves with the bound port. Errors: the listen error (EADDRINUSE…). */
  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolvePromise, reject) => {
      const onError = (err: Error) => reject(err);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolvePromise();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  /** Stop: event clients closed, open connections ended, the server closed. */
  async close(): Promise<void> {
    this.streams.close();
    await new Promise<void>((resolvePromise) => {
      this.server.close(() => resolvePromise());
      this.server.closeIdleConnections();
      setTimeout(() => this.server.closeAllConnections(), 1000).unref();
    });
  }

  /** Connected event clients. */
  get eventClientCount(): number {
    return this.streams.clientCount;
  }

  private hostPolicy(): HostPolicy {
    return { port: this.port, extraHosts: this.options.extraHosts ?? [] };
  }

  private fail(res: ServerResponse, err: unknown): void {
    const error = toAppError(err);
    if (error.code === 'INTERNAL') this.options.log?.(`api: internal error: ${error.message}`);
    if (!res.headersSent) applySecurityHeaders(res);
    sendError(res, error, statusForCode(error.code), error.code === 'UNAUTHORIZED' ? { 'WWW-Authenticate': 'Bearer' } : {});
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    applySecurityHeaders(res);
    const url = splitTarget(req.url);
    const host = checkHost(req, this.hostPolicy());
    checkOrigin(req, host);
    const method = req.method ?? 'GET';
    const path = url.pathname;
    if (path !== '/api' && !path.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD') {
        sendError(res, new AppError('NOT_FOUND', `${method} is not allowed on the dashboard's files`), 405, { Allow: 'GET, HEAD' });
        return;
      }
      serveStatic(res, this.rendererRoot, path, host, method === 'HEAD', this.options.iconPath ?? null);
      return;
    }
    const isStream = path === '/api/events/stream' || path === '/api/events';
    checkToken(req, this.options.token, isStream ? url.searchParams.get('token') : null);

    if (path === '/api/events/stream' || path === '/api/events/stream/') {
      if (method !== 'GET') return this.wrongMethod(res, method, path, ['GET']);
      this.streams.handleSse(req, res);
      return;
    }
    if (path === '/api/events' || path === '/api/events/') {
      sendError(res, new AppError('VALIDATION', '/api/events is a WebSocket endpoint: connect with a WebSocket client (or use /api/events/stream for Server-Sent Events)'), 426, { Upgrade: 'websocket' });
      return;
    }
    if (path === '/api/openapi.json') {
      if (method !== 'GET') return this.wrongMethod(res, method, path, ['GET']);
      sendJson(res, 200, this.openapi);
      return;
    }
    const download = this.options.downloads?.find((d) => d.path === path || `${d.path}/` === path);
    if (download) {
      if (method !== 'GET') return this.wrongMethod(res, method, path, ['GET']);
      await this.download(download, url.searchParams, res);
      return;
    }

    const match = matchRoute(this.routes, method, path);
    if (match.kind === 'none') throw new AppError('NOT_FOUND', `no API endpoint ${path}; see GET /api/openapi.json for the list`);
    if (match.kind === 'wrong-method') return this.wrongMethod(res, method, path, match.allow);
    await this.invoke(match.route, match.params, req, res, url.searchParams);
  }

  private wrongMethod(res: ServerResponse, method: string, path: string, allow: string[]): void {
    sendError(res, new AppError('NOT_FOUND', `${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`), 405, { Allow: allow.join(', ') });
  }

  private async invoke(route: ApiRoute, params: Record<string, string>, req: IncomingMessage, res: ServerResponse, query: URLSearchParams): Promise<void> {
    let envelope;
    if (BODY_METHODS.has(route.method)) {
      if ([...query.keys()].length > 0) {
        throw new AppError('VALIDATION', `invalid input: query parameters are not accepted on ${route.method} ${route.path}; send the input as a JSON body`);
      }
      const body = await readJsonBody(req, res, this.options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
      if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) {
        throw new AppError('VALIDATION', 'invalid input: the request body must be a JSON object');
      }
      envelope = await invokeMethod(this.options.handlers, route.methodName, route.buildInput(params, (body ?? {}) as Record<string, unknown>));
    } else {
      const typed = queryToInput(query);
      envelope = await invokeMethod(this.options.handlers, route.methodName, route.buildInput(params, typed));
      // `?text=42` meant the text "42": the query values the schema refused are tried again as text
      // (a GET is read-only, so asking twice is harmless).
      const refused = !envelope.ok && envelope.error.code === 'VALIDATION' ? refusedQueryKeys(envelope.error, typed) : [];
      if (refused.length > 0) {
        const raw = queryToInput(query, false);
        const retry = { ...typed, ...Object.fromEntries(refused.map((k) => [k, raw[k]])) };
        const asText = await invokeMethod(this.options.handlers, route.methodName, route.buildInput(params, retry));
        if (asText.ok) envelope = asText;
      }
    }
    if (!envelope.ok) {
      const error: WireError = envelope.error;
      sendError(res, AppError.fromWire(error));
      return;
    }
    const result = route.mapResult ? route.mapResult(envelope.result) : envelope.result;
    let status = route.successStatus;
    if (route.methodName === 'health:get' && (result as { status?: string } | null)?.status === 'unhealthy') status = 503;
    sendJson(res, status, result ?? null);
  }

  private async download(route: DownloadRoute, query: URLSearchParams, res: ServerResponse): Promise<void> {
    const input = route.parse(query); // validated before a byte is sent: a bad query is a 400
    res.statusCode = 200;
    res.setHeader('Content-Type', route.contentType);
    res.setHeader('Content-Disposition', `attachment; filename="${route.fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`);
    res.setHeader('Cache-Control', 'no-store');
    try {
      await route.stream(input, res);
    } catch (err) {
      if (res.headersSent) {
        this.options.log?.(`api: ${route.path} failed while streaming: ${toAppError(err).message}`);
        res.destroy(); // the client sees a truncated download, not a file that looks complete
        return;
      }
      res.removeHeader('Content-Disposition');
      throw err;
    }
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const reject = (status: number, error: AppError) => {
      const body = JSON.stringify({ error: { code: error.code, message: error.message } });
      socket.end(
        `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : status === 404 ? 'Not Found' : 'Forbidden'}\r\n` +
          `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    };
    try {
      const url = splitTarget(req.url);
      const host = checkHost(req, this.hostPolicy());
      checkOrigin(req, host);
      if (url.pathname !== '/api/events' && url.pathname !== '/api/events/') {
        reject(404, new AppError('NOT_FOUND', `no WebSocket endpoint ${url.pathname}; use /api/events`));
        return;
      }
      const token = bearerToken(req) ?? url.searchParams.get('token');
      if (req.headers.authorization !== undefined && bearerToken(req) === null) {
        reject(401, new AppError('UNAUTHORIZED', 'malformed Authorization header: expected "Bearer <token>"'));
        return;
      }
      if (token !== null) checkToken(req, this.options.token, url.searchParams.get('token'));
      this.streams.handleUpgrade(req, socket, head, token);
    } catch (err) {
      const error = toAppError(err);
      reject(statusForCode(error.code), error);
    }
  }
}
