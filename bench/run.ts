/**
 * `npm run bench`: one run, one table. Options: --json, --jobs N (default 50000),
 * --workers N (default 2), --concurrency N (default 200), --seconds S (latency runs, default 3),
 * --export (CSV export of 100k and 1M jobs, peak RSS; --export-rows N,N to choose the counts),
 * --waiting N (jobs waiting while the engine's RSS is measured, default 1,000,000),
 * --rounds N (alternating rounds of the bulk submit, the raw-SQLite floor and the drain comparisons,
 * default 3; each of their rows is the median of its rounds).
 */
import { parseArgs } from 'node:util';
import { formatTable, medianOfRounds, type BenchRow } from './bench-util';
import { sqliteBulkBench, sqliteDrainBench, sqliteEngineBench } from './sqlite-engine-bench';
import { schedulerBench } from './scheduler-bench';
import { monitorBench } from './monitor-bench';
import { exportBench } from './export-bench';
import { bullmqBench } from './bullmq-bench';
import { bullmqSubmitBench } from './bullmq-submit-bench';
import { memoryBench } from './memory-bench';
import { sqliteFloorBench } from './sqlite-floor-bench';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    jobs: { type: 'string', default: '50000' },
    workers: { type: 'string', default: '2' },
    concurrency: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '3' },
    /** CSV export benchmark (seeds and exports 100k and 1M jobs; a few minutes): off by default. */
    export: { type: 'boolean', default: false },
    'export-rows': { type: 'string', default: '100000,1000000' },
    /** Jobs waiting in the store while the engine's RSS is measured. */
    waiting: { type: 'string', default: '1000000' },
    /** Alternating rounds of the bulk submit, the raw-SQLite floor and the drains (SQLite, Redis, BullMQ); each row is their median. */
    rounds: { type: 'string', default: '3' },
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

// In alternating rounds, each row the median of its rounds: the bulk submit; the storage floor
// (the same schema without the engine: ratios to the engine's rows); the drains of JobHandle on
// SQLite and on Redis vs plain BullMQ in-process and sandboxed (skipped without Redis). This
// machine speeds up and slows down over minutes: rounds side by side weigh on every row alike.
const rounds: BenchRow[][] = [];
for (let r = 0; r < Math.max(1, Number(values.rounds)); r++) {
  const o = { jobs: Number(values.jobs), workers: Number(values.workers), concurrency: Number(values.concurrency) };
  rounds.push([
    ...(await sqliteBulkBench(o)),
    ...(await sqliteFloorBench({ jobs: o.jobs })),
    ...(await sqliteDrainBench(o)),
    ...(await bullmqBench(o)),
  ]);
}
rows.push(...medianOfRounds(rounds));

rows.push(...(await bullmqSubmitBench({ jobs: Number(values.jobs) })));

rows.push(...(await memoryBench({ waiting: Number(values.waiting) })));

rows.push(...(await monitorBench({ seconds: Number(values.seconds), rate: 50 })));

rows.push(...(await schedulerBench()));

if (values.export) rows.push(...(await exportBench({ rows: values['export-rows'].split(',').map(Number) })));

// Ratios against peers that ran in this same run.
for (const r of rows) {
  if (!r.peer) continue;
  const peer = rows.find((p) => p.group === r.peer && (!r.peerName || p.name === r.peerName));
  r.ratio = peer && peer.value && r.value ? r.value / peer.value : null;
}

if (values.json) {
  process.stdout.write(`${JSON.stringify({ machine: { cpus: (await import('node:os')).cpus().length, node: process.version }, rows }, null, 2)}\n`);
} else {
  process.stdout.write(`${formatTable(rows)}\n`);
}
process.exit(0);
