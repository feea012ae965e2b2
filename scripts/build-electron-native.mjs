// Builds better-sqlite3 for the installed Electron's ABI into build/electron-native/better_sqlite3.node,
// apart from node_modules (which keeps the Node build that tests and the CLI load). The desktop app
// opens it through better-sqlite3's `nativeBinding` option (src/main/electron/native-binding.ts).
//
// Run by `npm start` and `npm run dist`, never by `npm install` or `npm test`. Tries a prebuilt
// binary (prebuild-install), then a compile against Electron's headers (node-gyp). Both need network
// access the first time; offline it exits 1 with one line saying so. Up to date → exits 0 at once.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const outDir = join(root, 'build', 'electron-native');
const output = join(outDir, 'better_sqlite3.node');
const stampPath = join(outDir, 'stamp.json');

function fail(reason) {
  console.error(`jobhandle: cannot build better-sqlite3 for Electron (${reason}); the desktop app needs it once, with network access.`);
  process.exit(1);
}

function versionOf(name) {
  try {
    return JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Last meaningful line of a tool's output, for the one-line message. */
function lastLine(text) {
  if (/network connectivity/.test(String(text))) return 'Electron headers could not be downloaded: no network';
  const lines = String(text ?? '')
    .split('\n')
    .map((l) => l.replace(/^(gyp|prebuild-install) (ERR!|warn|info)\s*/, '').trim())
    .filter((l) => l && !/^(stack|System|command|cwd|node -v|node-gyp -v|not ok)\b/.test(l));
  const network = lines.find((l) => /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo|certificate/i.test(l));
  return (network ?? lines.at(-1) ?? 'no output').slice(0, 200);
}

function run(args, cwd, timeoutMs) {
  const result = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env } });
  if (result.error) return { ok: false, reason: result.error.message };
  if (result.status !== 0) return { ok: false, reason: lastLine(`${result.stdout}\n${result.stderr}`) };
  return { ok: true };
}

const electron = versionOf('electron');
const sqlite = versionOf('better-sqlite3');
if (!electron) fail('the electron package is not installed');
if (!sqlite) fail('the better-sqlite3 package is not installed');
const stamp = { electron, betterSqlite3: sqlite, platform: process.platform, arch: process.arch };

if (existsSync(output) && existsSync(stampPath)) {
  try {
    const old = JSON.parse(readFileSync(stampPath, 'utf8'));
    if (Object.entries(stamp).every(([k, v]) => old[k] === v)) process.exit(0);
  } catch {
    // a broken stamp means rebuild
  }
}

// Work on a copy: the package in node_modules stays untouched (and built for Node).
const sourceDir = dirname(require.resolve('better-sqlite3/package.json'));
const workDir = join(outDir, 'work', 'better-sqlite3');
rmSync(join(outDir, 'work'), { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
cpSync(sourceDir, workDir, {
  recursive: true,
  filter: (path) => !relative(sourceDir, path).split(sep).includes('build'),
});

console.log(`jobhandle: building better-sqlite3 ${sqlite} for Electron ${electron} (${process.platform}-${process.arch})…`);
const built = join(workDir, 'build', 'Release', 'better_sqlite3.node');
const prebuilt = run(
  [require.resolve('prebuild-install/bin.js'), '--runtime', 'electron', '--target', electron, '--arch', process.arch, '--platform', process.platform],
  workDir,
  120_000,
);
let reason = prebuilt.ok ? null : `prebuilt binary: ${prebuilt.reason}`;
if (!prebuilt.ok || !existsSync(built)) {
  const compiled = run(
    [
      require.resolve('node-gyp/bin/node-gyp.js'),
      'rebuild',
      '--release',
      `--target=${electron}`,
      `--arch=${process.arch}`,
      '--dist-url=https://electronjs.org/headers',
      `--devdir=${join(homedir(), '.electron-gyp')}`,
    ],
    workDir,
    20 * 60_000,
  );
  if (!compiled.ok || !existsSync(built)) {
    rmSync(join(outDir, 'work'), { recursive: true, force: true });
    fail(`${reason ?? 'no prebuilt binary'}; compiling against Electron's headers: ${compiled.ok ? 'no output file' : compiled.reason}`);
  }
}
copyFileSync(built, output);
writeFileSync(stampPath, `${JSON.stringify(stamp, null, 2)}\n`);
rmSync(join(outDir, 'work'), { recursive: true, force: true });
console.log(`jobhandle: better-sqlite3 for Electron ${electron} is in ${relative(root, output)}`);
