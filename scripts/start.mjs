// `npm start`: builds the app when out/ is stale, then launches the Electron desktop app.
// Where Electron cannot start (binary not installed, or Linux without a display) it says so in
// one line and runs the headless server (`jobhandle serve`) instead.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** Newest modification time (ms) of a file or, recursively, of the files in a directory. */
function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

function buildIfStale() {
  const builtAt = newestMtime(join(root, 'out', 'main', 'index.js'));
  const inputs = ['src', 'electron.vite.config.ts', 'package.json'].map((p) => newestMtime(join(root, p)));
  if (builtAt > Math.max(...inputs)) return;
  const cli = join(dirname(require.resolve('electron-vite/package.json')), 'bin', 'electron-vite.js');
  const result = spawnSync(process.execPath, [cli, 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * Path of the Electron binary, or the reason it cannot be used. Deliberately does not
 * `require('electron')`: that tries to download the binary when it is missing.
 */
function findElectron() {
  let packageDir;
  try {
    packageDir = dirname(require.resolve('electron/package.json'));
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  // Mirrors node_modules/electron/index.js: path.txt names the binary inside dist/.
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!relative && !override) return { reason: 'the Electron binary is not installed' };
  const binary = override ? join(override, relative || 'electron') : join(packageDir, 'dist', relative);
  if (!existsSync(binary)) return { reason: `the Electron binary is missing (${binary})` };
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
    return { reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { binary };
}

/**
 * Runs a child with inherited stdio until it exits, then exits with its code (or its signal).
 * On POSIX the child gets its own process group, so a terminal's Ctrl-C reaches it once,
 * through the forwarding below, rather than twice.
 */
function runForwarding(command, args, env = process.env) {
  const child = spawn(command, args, {
    cwd: root,
    env,
    stdio: 'inherit',
    detached: process.platform !== 'win32',
  });
  const forward = (signal) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, forward);
  process.on('exit', () => forward('SIGTERM'));
  child.on('error', (error) => {
    console.error(`jobhandle: could not start ${command}: ${error.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    process.exit(signal ? 128 + (constants.signals[signal] ?? 0) : (code ?? 1));
  });
}

/** Electron-ABI better-sqlite3 (scripts/build-electron-native.mjs): null when ready, else why not. */
function buildElectronNative() {
  const result = spawnSync(process.execPath, [join(root, 'scripts', 'build-electron-native.mjs')], { cwd: root, stdio: 'inherit' });
  return result.status === 0 ? null : 'better-sqlite3 could not be built for Electron (see the line above)';
}

/**
 * npm does not run Electron's download script on install (see allowScripts in package.json), so
 * the binary is fetched here, once, on the first start that can use it. Offline this fails within
 * a moment and the headless server runs instead.
 */
function fetchElectronBinary() {
  if (process.env.ELECTRON_SKIP_BINARY_DOWNLOAD) return;
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return;
  let installer;
  try {
    installer = join(dirname(require.resolve('electron/package.json')), 'install.js');
  } catch {
    return;
  }
  console.error('jobhandle: downloading the Electron binary (first start)…');
  spawnSync(process.execPath, [installer], { cwd: root, stdio: ['ignore', 'ignore', 'ignore'], timeout: 300_000 });
}

buildIfStale();
let found = findElectron();
if (!found.binary && /not installed|missing/.test(found.reason)) {
  fetchElectronBinary();
  found = findElectron();
}
const nativeProblem = found.binary ? buildElectronNative() : null;
const electron = nativeProblem ? { reason: nativeProblem } : found;
if (electron.binary) {
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE;
  runForwarding(electron.binary, ['.'], env);
} else {
  console.error(`jobhandle: not starting the desktop app because ${electron.reason}; running the headless server instead (jobhandle serve).`);
  runForwarding(process.execPath, [join(root, 'bin', 'jobhandle.mjs'), 'serve']);
}
