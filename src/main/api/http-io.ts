/**
 * HTTP plumbing of the API server: error codes → status codes, JSON responses with the security
 * headers every response carries, and a size-limited JSON body reader that counts bytes as they
 * stream in (never buffers more than the limit).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AppError, type ErrorCode } from '../../shared/errors';

/** Default request body limit: 1 MiB. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** After a 413, read (and discard) at most this much more before dropping the connection. */
const MAX_DRAIN_BYTES = 16 * 1024 * 1024;

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> = {
  VALIDATION: 400,
  UNKNOWN_JOB_TYPE: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  TIMEOUT: 504,
  BACKEND_UNAVAILABLE: 503,
  STORAGE_FULL: 503,
  SHUTTING_DOWN: 503,
};

/** The HTTP status for an error code (500 for codes without a better one). */
export function statusForCode(code: ErrorCode): number {
  return STATUS_BY_CODE[code] ?? 500;
}

/** Headers on every response, API or static. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

/** CSP of API responses: nothing may load from them. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * CSP of the dashboard page: scripts and styles from the server only; connections to the server
 * itself (fetch and, spelled out for older engines, its WebSocket).
 */
export function dashboardCsp(host: string): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://${host}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Set the security headers (and the API CSP unless `csp` is given). */
export function applySecurityHeaders(res: ServerResponse, csp = API_CSP): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  res.setHeader('Content-Security-Policy', csp);
}

/** Answer `status` with `body` as JSON (no caching: API answers are live data). */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

/** Answer with `{error: {code, message, details?}}` and the status of its code (or `status`). */
export function sendError(res: ServerResponse, error: AppError, status = statusForCode(error.code), headers: Record<string, string> = {}): void {
  const { code, message, details } = error.toWire();
  sendJson(res, status, { error: details === undefined ? { code, message } : { code, message, details } }, headers);
}

/**
 * Read the request body as JSON, at most `maxBytes`. Output: the parsed value, or undefined for
 * an empty body. Errors: PAYLOAD_TOO_LARGE (413) beyond the limit (the rest of the body is
 * discarded, up to a cap, and the connection closed); VALIDATION (400) naming the JSON problem.
 */
export async function readJsonBody(req: IncomingMessage, res: ServerResponse, maxBytes = DEFAULT_MAX_BODY_BYTES): Promise<unknown> {
  const tooLarge = () => {
    res.setHeader('Connection', 'close');
    let drained = 0;
    req.removeAllListeners('data');
    req.on('data', (chunk: Buffer) => {
      drained += chunk.length;
      if (drained > MAX_DRAIN_BYTES) req.destroy();
    });
    req.resume();
    return new AppError('PAYLOAD_TOO_LARGE', `request body is larger than the limit of ${maxBytes} bytes`, { limit: maxBytes });
  };
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();

  const chunks: Buffer[] = [];
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        cleanup();
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve();
    };
    const onError = (err: Error) => {
      cleanup();
      reject(new AppError('VALIDATION', `could not read the request body: ${err.message}`));
    };
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new AppError('VALIDATION', `request body is not valid JSON: ${(err as Error).message}`);
  }
}
