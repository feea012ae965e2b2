/**
 * `npm run bench`: one run, one table. Options: --json, --jobs N (default 50000),
 * --workers N (default 2), --concurrency N (default 200), --seconds S (latency runs, default 3).
 */
import { parseArgs } from 'node:util';
import { formatTable, type BenchRow } from './bench-util';
import { sqliteEngineBench } from './sqlite-engine-bench';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '50000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '3' },
  },
});

const rows: BenchRow[] = [];
rows.push(
  ...(await sqliteEngineBench({
    jobs: Number(values.jobs),
    workers: Number(values.workers),
    concurrency: Number(values.concurrency),
    latencyRates: [1000, 5000],
    latencySeconds: Number(values.seconds),
  })),
);

// Ratios against peers that ran in this same run.
for (const r of rows) {
  if (!r.peer) continue;
  const peer = rows.find((p) => p.group === r.peer || `${p.group}` === r.peer);
  r.ratio = peer && peer.value && r.value ? r.value / peer.value : null;
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`${formatTable(rows)}\n`);
}
process.exit(0);
