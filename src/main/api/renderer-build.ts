/**
 * `jobhandle serve` builds the dashboard when it has never been built: in a checkout (the
 * renderer's sources present) it runs `electron-vite build` (about 2–3 s: main, preload and
 * renderer together, so out/ stays consistent). An installed app ships out/renderer and never
 * builds. A build older than its sources is served as it is, with a note.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type RendererState =
  | { state: 'ready'; stale: boolean }
  | { state: 'built'; ms: number }
  | { state: 'missing'; reason: string };

function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function runBuild(root: string, timeoutMs: number): Promise<{ ok: boolean; output: string }> {
  let cli: string;
  try {
    cli = join(dirname(createRequire(join(root, 'package.json')).resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  } catch {
    return Promise.resolve({ ok: false, output: 'electron-vite is not installed (run npm install)' });
  }
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'build', '--logLevel', 'warn'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, output: err.message });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ ok: code === 0, output: signal ? `${output}\nstopped by ${signal}` : output });
    });
  });
}

/**
 * Make sure `dir` (the built renderer) exists. `root` is the app root (null when unknown).
 * Output: ready (stale when src/renderer is newer), built (how long it took), or missing with
 * the reason (the server then serves a page saying to run `npm run build`). Never throws.
 */
export async function ensureRendererBuilt(root: string | null, dir: string, timeoutMs = 300_000): Promise<RendererState> {
  const sources = root ? join(root, 'src', 'renderer') : null;
  if (existsSync(join(dir, 'index.html'))) {
    const stale = sources !== null && existsSync(sources) && newestMtime(sources) > newestMtime(dir);
    return { state: 'ready', stale };
  }
  if (!root || !sources || !existsSync(join(sources, 'index.html'))) {
    return { state: 'missing', reason: `${dir} does not exist and there are no renderer sources to build it from` };
  }
  if (dir !== join(root, 'out', 'renderer')) {
    return { state: 'missing', reason: `${dir} does not exist (JOBHANDLE_RENDERER_DIR is not built automatically)` };
  }
  const started = Date.now();
  const result = await runBuild(root, timeoutMs);
  if (!result.ok || !existsSync(join(dir, 'index.html'))) {
    return { state: 'missing', reason: `the dashboard build failed: ${result.output.trim().split('\n').slice(-5).join(' | ')}` };
  }
  return { state: 'built', ms: Date.now() - started };
}
