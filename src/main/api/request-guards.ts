/**
 * The checks every request passes before anything else runs: a Host header naming this server by
 * a loopback name (against DNS rebinding), no foreign Origin (no CORS: a page of another site
 * gets nothing), and for /api a bearer token compared in constant time.
 */
import type { IncomingMessage } from 'node:http';
import { AppError } from '../../shared/errors';
import { tokenMatches } from './api-token';

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Is `host` (a bind address or a Host name without port) a loopback name? */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return LOOPBACK_NAMES.has(h) || /^127(\.\d{1,3}){3}$/.test(h) || h.endsWith('.localhost');
}

/** Is `host` a wildcard bind address (every interface)? */
export function isWildcardHost(host: string): boolean {
  return host === '0.0.0.0' || host === '::' || host === '[::]';
}

export interface HostPolicy {
  /** The port the server listens on. */
  port: number;
  /** Extra accepted host names (the --host of a remote bind); '*' accepts any name. */
  extraHosts: readonly string[];
}

/** Split `name:port` / `[v6]:port`; port null when absent. */
function splitHost(header: string): { name: string; port: number | null } | null {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(header);
  if (!m) return null;
  return { name: m[1]!.toLowerCase(), port: m[2] === undefined ? null : Number(m[2]) };
}

/**
 * The request's Host header when it names this server: a loopback name (or an allowed extra
 * name) and this server's port (or no port when it listens on 80). Errors: FORBIDDEN otherwise.
 */
export function checkHost(req: IncomingMessage, policy: HostPolicy): string {
  const header = req.headers.host ?? '';
  const parsed = splitHost(header);
  const portOk = parsed !== null && (parsed.port === policy.port || (parsed.port === null && policy.port === 80));
  const nameOk =
    parsed !== null &&
    (isLoopbackHost(parsed.name) ||
      policy.extraHosts.includes('*') ||
      policy.extraHosts.some((h) => h.toLowerCase() === parsed.name || `[${h.toLowerCase()}]` === parsed.name));
  if (!portOk || !nameOk) {
    throw new AppError('FORBIDDEN', `Host header ${JSON.stringify(header)} is not this server's loopback address (rejected against DNS rebinding)`);
  }
  return header;
}

/**
 * A request from a browser page carries its Origin; only the server's own origin
 * (`http://<Host>`) is accepted. Errors: FORBIDDEN for any other origin (including `null`).
 */
export function checkOrigin(req: IncomingMessage, host: string): void {
  const origin = req.headers.origin;
  if (origin === undefined) return;
  if (origin.toLowerCase() !== `http://${host.toLowerCase()}`) {
    throw new AppError('FORBIDDEN', `cross-origin requests are not allowed (Origin ${JSON.stringify(origin)})`);
  }
}

/** The bearer token of the Authorization header, or null. */
export function bearerToken(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

/**
 * Check the token of a request: the Authorization header, or (where a browser cannot set headers:
 * WebSocket, EventSource) the `token` query parameter when `queryToken` is given. Errors:
 * UNAUTHORIZED naming what is missing; never echoes the token.
 */
export function checkToken(req: IncomingMessage, expected: string, queryToken: string | null = null): void {
  const given = bearerToken(req) ?? queryToken;
  if (given === null) {
    throw new AppError('UNAUTHORIZED', 'missing bearer token: send "Authorization: Bearer <token>" (the token is printed by `jobhandle token`)');
  }
  if (!tokenMatches(expected, given)) throw new AppError('UNAUTHORIZED', 'invalid bearer token');
}
