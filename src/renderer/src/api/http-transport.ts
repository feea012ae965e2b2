/**
 * The browser side of the dashboard client: HTTP for methods and a WebSocket for events, through
 * src/shared/http-client.ts, against the origin that served the page (`jobhandle serve`).
 *
 * The token: `jobhandle serve` prints the dashboard URL with `#token=...` in the fragment (never
 * sent to a server). On load it is moved into sessionStorage (this tab only) and removed from the
 * address bar; without one the dashboard asks for it (TokenPrompt).
 */
import { CSV_EXPORTS, type CsvExportName } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { createHttpClient } from '../../../shared/http-client';
import type { DashboardClient } from './client';

const TOKEN_KEY = 'jobhandle.token';

/** Move a `#token=...` fragment into sessionStorage and clear it from the address bar. */
export function takeTokenFromFragment(win: Window): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(win.location.hash);
  if (!match?.[1]) return;
  saveToken(win, decodeURIComponent(match[1]));
  win.history.replaceState(null, '', `${win.location.pathname}${win.location.search}#/overview`);
}

/** The stored token, or null. */
export function readToken(win: Window): string | null {
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** Keep a token for this tab (entered in the prompt or taken from the URL). */
export function saveToken(win: Window, token: string): void {
  try {
    win.sessionStorage.setItem(TOKEN_KEY, token.trim());
  } catch {
    // Storage disabled: the token is lost on reload and the prompt shows again.
  }
}

/**
 * A DashboardClient over HTTP/WebSocket to the page's own origin. Input: the window. Output: the
 * client; calls reject with UNAUTHORIZED while no valid token is stored.
 */
export function createBrowserClient(win: Window): DashboardClient {
  takeTokenFromFragment(win);
  const http = createHttpClient({ baseUrl: '', token: () => readToken(win) });
  return {
    transport: 'http',
    api: http.api,
    subscribe: (listener, options) => http.subscribe(listener, options?.onOpen ? { onOpen: options.onOpen } : {}),
    downloadCsv: async (name, query) => {
      await downloadCsv(win, name, query);
      return true;
    },
  };
}

function csvQuery(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Fetch a CSV export with the bearer token and hand it to the browser as a file download.
 * Errors: the server's AppError (e.g. VALIDATION naming a query field), or BACKEND_UNAVAILABLE.
 */
async function downloadCsv(win: Window, name: CsvExportName, query: Record<string, unknown>): Promise<void> {
  const spec = CSV_EXPORTS[name];
  const token = readToken(win);
  let response: Response;
  try {
    response = await win.fetch(`${spec.path}${csvQuery(query)}`, { headers: token ? { Authorization: `Bearer ${token}` } : {} });
  } catch (err) {
    throw new AppError('BACKEND_UNAVAILABLE', `cannot reach the JobHandle server: ${(err as Error).message}`);
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: unknown } | null;
    throw body?.error ? AppError.fromWire(body.error) : new AppError('INTERNAL', `HTTP ${response.status} from ${spec.path}`);
  }
  const blob = await response.blob();
  const url = URL.createObjectURL(blob);
  const link = win.document.createElement('a');
  link.href = url;
  link.download = spec.filename;
  link.style.display = 'none';
  win.document.body.appendChild(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
