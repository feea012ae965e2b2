/**
 * `npm run soak [-- --jobs N] [--redis-jobs N] [--backend sqlite|redis|both] [--sample-seconds S]`
 *
 * Pushes N jobs (default 1,000,000 on SQLite, 200,000 on Redis) through a child engine: mixed
 * priorities, every 10th job failing its first attempt (retried), submitted by a client in
 * batches that keep the backlog under 20,000. The engine's RSS is sampled every few seconds;
 * prints the curve and the growth after warm-up (the first 20% of the samples). Goal: flat,
 * growth under 10%. Redis runs on a throw-away redis-server (never the shared 6379).
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_PRIORITIES } from '../src/shared/model';
import { RedisBackend } from '../src/main/engine/backend/redis/redis-backend';
import { findRedisServer, startRedisServer } from '../tests/helpers/redis-server';
import type { StoreAddress } from './chaos-config';
import { rssBytes, startEngineProcess } from './engine-process';
import { stopEngine } from './process-scenarios';
import { openClient, trialDir } from './trial';

interface SoakArgs {
  jobs: number;
  redisJobs: number;
  backend: 'sqlite' | 'redis' | 'both';
  sampleSeconds: number;
}

function parseArgs(argv: string[]): SoakArgs {
  const a: SoakArgs = { jobs: 1_000_000, redisJobs: 200_000, backend: 'both', sampleSeconds: 5 };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = argv[++i];
    if (v === undefined) throw new Error(`${k} needs a value`);
    if (k === '--jobs') a.jobs = Number(v);
    else if (k === '--redis-jobs') a.redisJobs = Number(v);
    else if (k === '--backend' && (v === 'sqlite' || v === 'redis' || v === 'both')) a.backend = v;
    else if (k === '--sample-seconds') a.sampleSeconds = Number(v);
    else throw new Error(`unknown option ${k} (use --jobs N, --redis-jobs N, --backend sqlite|redis|both, --sample-seconds S)`);
  }
  return a;
}

export interface SoakResult {
  backend: string;
  jobs: number;
  seconds: number;
  samples: Array<{ t: number; done: number; rssMb: number; heapMb: number | null }>;
  warmHeapMb: number | null;
  endHeapMb: number | null;
  warmRssMb: number;
  endRssMb: number;
  growthPercent: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length ? s[Math.floor(s.length / 2)]! : 0;
}

/**
 * Run `total` jobs through an engine on `store`. Output: the RSS curve and growth.
 * Errors: a submission or engine failure (thrown).
 */
export async function soak(store: StoreAddress, total: number, sampleSeconds: number, label: string): Promise<SoakResult> {
  const engine = startEngineProcess({ store, shape: { workers: 2, concurrency: 16, maxRetries: 3 }, reportEvery: 500, memEverySeconds: sampleSeconds });
  const client = await openClient(store);
  const samples: SoakResult['samples'] = [];
  const t0 = Date.now();
  const sampler = setInterval(() => {
    const rss = rssBytes(engine.pid);
    if (rss === null) return;
    const mem = [...engine.lines].reverse().find((l) => l.startsWith('mem '));
    const heapMb = mem ? Math.round(Number(mem.split(' ')[2]) / 1048576) : null;
    const s = { t: Math.round((Date.now() - t0) / 1000), done: engine.completed(), rssMb: Math.round(rss / 1048576), heapMb };
    samples.push(s);
    console.log(`[${label}] t=${s.t}s done=${s.done} rss=${s.rssMb} MB heapUsed=${heapMb ?? '?'} MB`);
  }, sampleSeconds * 1000);
  try {
    await engine.waitForLine(/^ready/);
    let submitted = 0;
    let seq = 0;
    while (submitted < total) {
      if (engine.errors().length > 50) throw new Error(`engine errors: ${engine.errors().slice(-3).join(' | ')}`);
      if (submitted - engine.completed() > 20_000) {
        await new Promise((r) => setTimeout(r, 100));
        continue;
      }
      const n = Math.min(5000, total - submitted);
      await client.submitJobs(
        Array.from({ length: n }, () => ({
          type: 'ledger',
          priority: JOB_PRIORITIES[seq++ % JOB_PRIORITIES.length]!,
          parameters: { noLedger: true, failEvery: 10 },
          maxRetries: 3,
        })),
      );
      submitted += n;
    }
    const final = Math.floor(total / 500) * 500;
    while (engine.completed() < final) {
      if (engine.errors().length > 50) throw new Error(`engine errors: ${engine.errors().slice(-3).join(' | ')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    clearInterval(sampler);
    await stopEngine(engine);
    await client.close();
  }
  const warm = samples.slice(Math.floor(samples.length * 0.2));
  const head = warm.slice(0, Math.max(1, Math.floor(warm.length * 0.1))).map((s) => s.rssMb);
  const tail = warm.slice(-Math.max(1, Math.floor(warm.length * 0.1))).map((s) => s.rssMb);
  const warmRssMb = median(head);
  const endRssMb = median(tail);
  const heads = warm.slice(0, Math.max(1, Math.floor(warm.length * 0.1))).map((s) => s.heapMb).filter((h): h is number => h !== null);
  const tails = warm.slice(-Math.max(1, Math.floor(warm.length * 0.1))).map((s) => s.heapMb).filter((h): h is number => h !== null);
  return {
    backend: label, jobs: total, seconds: Math.round((Date.now() - t0) / 1000), samples, warmRssMb, endRssMb,
    warmHeapMb: heads.length ? median(heads) : null,
    endHeapMb: tails.length ? median(tails) : null,
    growthPercent: warmRssMb ? Math.round(((endRssMb - warmRssMb) / warmRssMb) * 1000) / 10 : 0,
  };
}

function report(r: SoakResult): void {
  const step = Math.max(1, Math.ceil(r.samples.length / 20));
  console.log(`\n${r.backend}: ${r.jobs} jobs in ${r.seconds} s (${Math.round(r.jobs / Math.max(1, r.seconds))} jobs/s)`);
  console.log('  t(s)    done      rss(MB)  heapUsed(MB)');
  for (let i = 0; i < r.samples.length; i += step) {
    const s = r.samples[i]!;
    console.log(`  ${String(s.t).padStart(5)}  ${String(s.done).padStart(8)}  ${String(s.rssMb).padStart(6)}  ${String(s.heapMb ?? '?').padStart(6)}`);
  }
  console.log(`  heapUsed after warm-up ${r.warmHeapMb ?? '?'} MB → end ${r.endHeapMb ?? '?'} MB`);
  console.log(`  RSS after warm-up ${r.warmRssMb} MB → end ${r.endRssMb} MB: growth ${r.growthPercent}% (goal < 10%)`);
}

const args = parseArgs(process.argv.slice(2));
const results: SoakResult[] = [];
if (args.backend !== 'redis') {
  const dir = trialDir('soak');
  try {
    const r = await soak({ dataDir: dir }, args.jobs, args.sampleSeconds, 'sqlite');
    report(r);
    results.push(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
if (args.backend !== 'sqlite') {
  if (!findRedisServer()) console.log('redis: SKIPPED — redis-server is not installed');
  else {
    const server = await startRedisServer();
    const dir = trialDir('soak-redis');
    const addr = { url: server.url, prefix: 'soak' };
    try {
      const r = await soak({ dataDir: dir, redis: addr }, args.redisJobs, args.sampleSeconds, 'redis');
      report(r);
      results.push(r);
    } finally {
      const b = new RedisBackend(addr);
      await b.open().then(() => b.removeAllData()).finally(() => b.close()).catch(() => undefined);
      await server.destroy();
      rmSync(join(dir), { recursive: true, force: true });
    }
  }
}
process.exit(results.every((r) => r.growthPercent < 10) ? 0 : 1);
