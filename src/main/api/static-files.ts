/**
 * The dashboard's static files (the built renderer, out/renderer) served without the token: the
 * page holds no data until it has one. Paths are resolved inside the root (no traversal), MIME
 * types set, unknown paths without an extension answered with index.html (client-side routes).
 * Without a build, a small page says how to make one.
 */
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { applySecurityHeaders, dashboardCsp } from './http-io';

const MIME_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>JobHandle</title></head>
<body style="font-family: system-ui, sans-serif; padding: 2rem; line-height: 1.5">
<h1>JobHandle</h1>
<p>The dashboard has not been built. Run <code>npm run build</code> in the JobHandle checkout, then reload this page.</p>
<p>The REST API works meanwhile: see <code>docs/api.md</code>.</p>
</body></html>
`;

function fileAt(root: string, relative: string): string | null {
  const full = resolve(root, `.${relative}`);
  if (full !== root && !full.startsWith(root + sep)) return null;
  try {
    if (!statSync(full).isFile()) return null;
    // A symbolic link out of the root is traversal too.
    const real = realpathSync(full);
    const realRoot = realpathSync(root);
    return real.startsWith(realRoot + sep) ? real : null;
  } catch {
    return null;
  }
}

function sendText(res: ServerResponse, status: number, type: string, body: string, head: boolean): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(head ? undefined : body);
}

function sendFile(res: ServerResponse, path: string, head: boolean, immutable: boolean): void {
  const size = statSync(path).size;
  res.statusCode = 200;
  res.setHeader('Content-Type', MIME_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream');
  res.setHeader('Content-Length', size);
  res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
  if (head) {
    res.end();
    return;
  }
  createReadStream(path)
    .on('error', () => res.destroy())
    .pipe(res);
}

/**
 * Answer a GET/HEAD for `pathname` (already known not to be under /api) from `root`, the built
 * renderer directory (null: not built). `host` is the validated Host header (for the CSP);
 * `iconPath` answers /favicon.ico when the build has none.
 */
export function serveStatic(res: ServerResponse, root: string | null, pathname: string, host: string, head: boolean, iconPath: string | null = null): void {
  applySecurityHeaders(res, dashboardCsp(host));
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    sendText(res, 400, 'text/plain; charset=utf-8', 'malformed path\n', head);
    return;
  }
  if (decoded.includes('\0')) {
    sendText(res, 400, 'text/plain; charset=utf-8', 'malformed path\n', head);
    return;
  }
  const index = root ? fileAt(root, '/index.html') : null;
  if (!root || !index) {
    res.setHeader('Cache-Control', 'no-store');
    sendText(res, 200, 'text/html; charset=utf-8', NOT_BUILT_PAGE, head);
    return;
  }
  const file = decoded === '/' ? index : fileAt(root, decoded);
  if (file) {
    sendFile(res, file, head, file.startsWith(join(realpathSync(root), 'assets') + sep));
    return;
  }
  if (decoded === '/favicon.ico') {
    // Browsers ask for it on their own: the app icon rather than a 404 in the console.
    if (iconPath && existsSync(iconPath)) sendFile(res, iconPath, head, false);
    else sendText(res, 204, 'image/x-icon', '', head);
    return;
  }
  if (extname(decoded) !== '') {
    res.setHeader('Cache-Control', 'no-store');
    sendText(res, 404, 'text/plain; charset=utf-8', 'not found\n', head);
    return;
  }
  sendFile(res, index, head, false); // a client-side route: the app decides
}
