/**
 * Memory of the shipped engine (the built CLI bundle, out/main/cli.js, not the TypeScript
 * sources through tsx): RSS of `jobhandle start-worker` while N jobs wait in its database (their
 * queue paused), and RSS of an idle worker process. The peer is a bare Node process, the floor any
 * Node program starts from. Builds the bundle first when it is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/main/engine/config';
import { JobManager } from '../src/main/engine/manager';
import { sleep, tempDir, type BenchRow } from './bench-util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const NOOP = join(ROOT, 'bench', 'handlers', 'noop.mjs');

/** Resident set size of a pid in MB (Linux /proc; null elsewhere). */
function rssMb(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

export async function memoryBench(opts: { waiting: number }): Promise<BenchRow[]> {
  const group = 'JobHandle memory';
  if (process.platform !== 'linux') {
    return [{ group, name: 'engine RSS', value: null, unit: 'MB', note: 'reads /proc; Linux only' }];
  }
  const cli = join(ROOT, 'out', 'main', 'cli.js');
  if (!existsSync(cli)) spawnSync(process.execPath, [join(ROOT, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: ROOT, stdio: 'ignore' });
  const t = tempDir('memory');
  const settings = { handlers: { noop: { module: NOOP } }, thresholds: { cpuPercent: 100, memoryPercent: 100 } };
  const m = await JobManager.open({ config: loadConfig({ env: {}, overrides: { dataDir: t.dir, ...settings } }) });
  await m.pauseQueue('default');
  for (let b = 0; b < opts.waiting; b += 10_000) {
    await m.submitJobs(Array.from({ length: Math.min(10_000, opts.waiting - b) }, (_, i) => ({ type: 'noop', parameters: { i: b + i } })));
  }
  await m.close();
  const { writeFileSync } = await import('node:fs');
  writeFileSync(join(t.dir, 'settings.json'), JSON.stringify(settings));

  const bare = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
  const engine = spawn(process.execPath, [cli, 'start-worker', '--data-dir', t.dir, '--workers', '2'], { stdio: 'ignore' });
  try {
    let workers: number[] = [];
    for (let i = 0; i < 100 && workers.length < 2; i++) {
      await sleep(100);
      workers = childrenOf(engine.pid!);
    }
    await sleep(8000); // settled: recovery, first metrics sample, governor samples
    const engineRss = rssMb(engine.pid!);
    const workerRss = Math.max(...workers.map((p) => rssMb(p) ?? 0));
    const bareRss = rssMb(bare.pid!);
    return [
      { group: 'Node (bare process)', name: 'RSS of `node -e` idling', value: bareRss, unit: 'MB' },
      { group, name: `engine RSS, ${opts.waiting.toLocaleString('en-US')} jobs waiting`, value: engineRss, unit: 'MB', peer: 'Node (bare process)', note: 'goal < 150 MB' },
      { group, name: 'idle worker process RSS', value: workers.length ? workerRss : null, unit: 'MB', peer: 'Node (bare process)', note: 'goal < 60 MB' },
    ];
  } finally {
    engine.kill('SIGTERM');
    bare.kill('SIGKILL');
    await new Promise((r) => engine.once('exit', r));
    t.cleanup();
  }
}
