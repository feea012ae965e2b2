/**
 * The browser E2E harness: the system Chromium (playwright-core), a built renderer, and a real
 * `jobhandle serve` child process on a fresh data dir with its own settings.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.JOBHANDLE_CHROMIUM ?? '/usr/bin/chromium';
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** True when Chromium exists; otherwise says ONE loud line naming the skipped file. */
export function chromiumAvailable(testFile: string): boolean {
  if (existsSync(CHROMIUM)) return true;
  console.warn(`SKIPPING ${testFile}: no Chromium at ${CHROMIUM} (.ci/run installs Debian's chromium)`);
  return false;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Build the renderer when its build is missing or older than src/renderer or src/shared. */
export function ensureRendererBuilt(): void {
  const index = join(ROOT, 'out', 'renderer', 'index.html');
  const sources = Math.max(newestMtime(join(ROOT, 'src', 'renderer')), newestMtime(join(ROOT, 'src', 'shared')));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const cli = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  execFileSync(process.execPath, [cli, 'build', '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit', timeout: 180_000 });
}

export interface Serve {
  child: ChildProcess;
  /** The dashboard URL with the token fragment, as serve printed it. */
  url: string;
  origin: string;
  token: string;
  stderr: () => string;
}

/**
 * `jobhandle serve --port 0` on `dataDir` with `settings` written to its settings file; resolves
 * with the one line it prints. The caller's JOBHANDLE_* / JOB_* / REDIS_URL variables are left out.
 */
export function startServe(dataDir: string, settings: Record<string, unknown>): Promise<Serve> {
  writeFileSync(join(dataDir, 'settings.json'), JSON.stringify(settings));
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'jobhandle.mjs'), 'serve', '--port', '0', '--data-dir', dataDir], {
    cwd: ROOT,
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(JOBHANDLE_|JOB_|REDIS_URL$)/.test(k))),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`jobhandle serve printed no URL within 60 s; stderr: ${err}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /JobHandle dashboard: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        const url = new URL(m[1]!);
        resolvePromise({ child, url: m[1]!, origin: url.origin, token: url.hash.replace(/^#token=/, ''), stderr: () => err });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`jobhandle serve exited with ${code}: ${err}`));
    });
  });
}

/** SIGTERM the server; resolves with its exit code (0 after a graceful stop). */
export async function stopServe(serve: Serve | null): Promise<number | null> {
  if (!serve || serve.child.exitCode !== null) return serve?.child.exitCode ?? null;
  const exited = new Promise<number | null>((r) => serve.child.once('exit', (code) => r(code)));
  serve.child.kill('SIGTERM');
  return exited;
}

/** Headless Chromium with a fresh profile, as this machine needs it started. */
export function launchChromium(profileDir: string, options: { downloads?: boolean } = {}): Promise<BrowserContext> {
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 900 },
    acceptDownloads: options.downloads ?? false,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Console errors and page errors of `page`, collected as they happen. */
export function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()} (${msg.location().url})`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return problems;
}

export interface E2eSession {
  serve: Serve;
  context: BrowserContext;
  /** Close the browser, stop the server (resolves with its exit code), remove the temp dirs. */
  close(): Promise<number | null>;
}

/**
 * The usual E2E setup in one call: renderer built, `jobhandle serve` on a fresh data dir with
 * `settings`, and a fresh Chromium profile.
 */
export async function openE2eSession(name: string, settings: Record<string, unknown>, options: { downloads?: boolean } = {}): Promise<E2eSession> {
  ensureRendererBuilt();
  const dataDir = mkdtempSync(join(tmpdir(), `jobhandle-${name}-`));
  const profileDir = mkdtempSync(join(tmpdir(), `jobhandle-${name}-chromium-`));
  const serve = await startServe(dataDir, settings);
  const context = await launchChromium(profileDir, options);
  return {
    serve,
    context,
    async close() {
      await context.close().catch(() => undefined);
      const code = await stopServe(serve);
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(profileDir, { recursive: true, force: true });
      return code;
    },
  };
}
