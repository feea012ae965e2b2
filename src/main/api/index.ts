/**
 * The local HTTP/WebSocket transport of the contract (REST for scripts, the dashboard in a
 * browser). `startApiServer` is what `jobhandle serve` and the desktop app (settings → api)
 * call: it loads or creates the token, checks the bind address, listens, and returns the URLs.
 */
import type { Config } from '../engine/config';
import type { JobManager } from '../engine/manager';
import { AppError } from '../../shared/errors';
import { createContractHandlers } from '../services/contract-handlers';
import type { EventSource } from '../services/event-batcher';
import { loadOrCreateApiToken } from './api-token';
import { ApiServer, type ApiServerOptions, type DownloadRoute } from './api-server';
import { csvDownloads } from './csv-downloads';
import { appIconPath, appVersion, rendererDir as defaultRendererDir } from './app-paths';
import { isLoopbackHost, isWildcardHost } from './request-guards';

export { ApiServer, type ApiServerOptions, type DownloadRoute } from './api-server';
export { loadOrCreateApiToken, rotateApiToken, tokenMatches, API_TOKEN_FILE } from './api-token';
export { buildRoutes, matchRoute, type ApiRoute } from './api-routes';
export { isLoopbackHost } from './request-guards';
export { WS_CLOSE } from './event-streams';

/** The port `jobhandle serve` and the desktop app use unless told otherwise. */
export const DEFAULT_API_PORT = 7878;
export const DEFAULT_API_HOST = '127.0.0.1';

export interface StartApiServerOptions {
  manager: JobManager;
  config: Config;
  /** Bind address (default 127.0.0.1). A non-loopback address needs `allowRemote`. */
  host?: string;
  /** Port (default 7878; 0: any free port). */
  port?: number;
  allowRemote?: boolean;
  /** Default: JobHandle's package.json version. */
  version?: string;
  /** The built renderer; default `<app root>/out/renderer` (null: no dashboard files). */
  rendererDir?: string | null;
  /** Default: the token in `<config.dataDir>/api-token`, created if missing. */
  token?: string;
  /** Default: the contract's CSV exports. */
  downloads?: readonly DownloadRoute[];
  maxBodyBytes?: number;
  eventOptions?: ApiServerOptions['eventOptions'];
  log?: (line: string) => void;
}

export interface RunningApiServer {
  server: ApiServer;
  host: string;
  port: number;
  /** `http://127.0.0.1:7878` */
  url: string;
  /** The dashboard URL with the token in the fragment (never sent to a server). */
  dashboardUrl: string;
  token: string;
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (isWildcardHost(host)) return '127.0.0.1';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Start the API server for `manager`. Output: the running server, its URL and the dashboard URL.
 * Errors: CONFIG for a non-loopback host without `allowRemote`; CONFLICT naming the port when it
 * is in use; BACKEND_UNAVAILABLE for another listen failure.
 */
export async function startApiServer(options: StartApiServerOptions): Promise<RunningApiServer> {
  const host = options.host ?? DEFAULT_API_HOST;
  const port = options.port ?? DEFAULT_API_PORT;
  const remote = !isLoopbackHost(host);
  if (remote && !options.allowRemote) {
    throw new AppError('CONFIG', `refusing to listen on ${host}, which is not a loopback address: pass --allow-remote (the token is still required)`);
  }
  const token = options.token ?? loadOrCreateApiToken(options.config.dataDir).token;
  const server = new ApiServer({
    handlers: createContractHandlers({ manager: options.manager, version: options.version ?? appVersion() }),
    events: options.manager as unknown as EventSource, // the manager emits the engine's subset of EventMap
    token,
    version: options.version ?? appVersion(),
    rendererDir: options.rendererDir === undefined ? defaultRendererDir() : options.rendererDir,
    iconPath: appIconPath(),
    extraHosts: remote ? (isWildcardHost(host) ? ['*'] : [host.replace(/^\[|\]$/g, '')]) : [],
    downloads: options.downloads ?? csvDownloads(options.manager),
    ...(options.maxBodyBytes ? { maxBodyBytes: options.maxBodyBytes } : {}),
    ...(options.eventOptions ? { eventOptions: options.eventOptions } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  let bound: number;
  try {
    bound = await server.listen(port, host);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EADDRINUSE') {
      throw new AppError('CONFLICT', `port ${port} on ${host} is already in use: choose another with --port P (or --port 0 for any free port)`);
    }
    if (e.code === 'EACCES') throw new AppError('CONFIG', `not allowed to listen on ${host}:${port}: choose a port above 1023 with --port P`);
    throw new AppError('BACKEND_UNAVAILABLE', `cannot listen on ${host}:${port}: ${e.message}`);
  }
  const url = `http://${urlHost(host)}:${bound}`;
  return {
    server,
    host,
    port: bound,
    url,
    dashboardUrl: `${url}/#token=${token}`,
    token,
    close: () => server.close(),
  };
}
