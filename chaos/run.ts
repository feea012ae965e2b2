/**
 * `npm run chaos [-- --trials N] [--scenario NAME[,NAME]] [--seed S] [--jobs N] [--fuzz]`
 *
 * Runs each scenario N times (default 50) with seeded random timing and prints a table:
 * scenario × trials, jobs, lost, stuck, duplicates (with causes), violations, time. Exits 1 when
 * any job was lost or stuck or a scenario's own check failed. `--fuzz` also runs the fuzz suites
 * with FUZZ_RUNS (default 20000) generated inputs per property.
 */
import { spawnSync } from 'node:child_process';
import { REPO_ROOT } from './chaos-config';
import { ALL_SCENARIOS } from './scenarios';
import { runScenarios, formatTable } from './runner';

interface Args {
  trials: number;
  scenarios: string[] | null;
  seed: number;
  jobs: number;
  fuzz: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { trials: 50, scenarios: null, seed: Math.floor(Math.random() * 2 ** 31), jobs: 120, fuzz: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--trials') args.trials = Number(value());
    else if (a === '--scenario') args.scenarios = value().split(',');
    else if (a === '--seed') args.seed = Number(value());
    else if (a === '--jobs') args.jobs = Number(value());
    else if (a === '--fuzz') args.fuzz = true;
    else if (a === '--verbose') args.verbose = true;
    else throw new Error(`unknown option ${a} (use --trials N, --scenario NAME, --seed S, --jobs N, --fuzz, --verbose)`);
  }
  if (!Number.isInteger(args.trials) || args.trials < 1) throw new Error('--trials must be a positive integer');
  if (!Number.isInteger(args.jobs) || args.jobs < 2) throw new Error('--jobs must be an integer of at least 2');
  if (!Number.isFinite(args.seed)) throw new Error('--seed must be a number');
  return args;
}

const args = parseArgs(process.argv.slice(2));
const names = ALL_SCENARIOS.map((s) => s.name);
for (const n of args.scenarios ?? []) if (!names.includes(n)) throw new Error(`unknown scenario ${n}; known: ${names.join(', ')}`);
const selected = ALL_SCENARIOS.filter((s) => !args.scenarios || args.scenarios.includes(s.name));
console.log(`chaos: seed ${args.seed}, ${args.trials} trials × ${selected.length} scenarios, ${args.jobs} jobs per trial`);
const rows = await runScenarios(selected, { trials: args.trials, seed: args.seed, jobs: args.jobs, verbose: args.verbose });
console.log(formatTable(rows));
console.log(`rerun: npm run chaos -- --seed ${args.seed} --trials ${args.trials} --jobs ${args.jobs}`);
let failed = rows.some((r) => r.lost > 0 || r.stuck > 0 || r.violations.length > 0 || r.errors.length > 0);
if (args.fuzz) {
  const runs = process.env.FUZZ_RUNS ?? '20000';
  console.log(`fuzz: FUZZ_RUNS=${runs}`);
  const r = spawnSync('npx', ['vitest', 'run', 'tests/fuzz'], { cwd: REPO_ROOT, stdio: 'inherit', env: { ...process.env, FUZZ_RUNS: runs } });
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
