/** Runs scenarios trial by trial and sums their verdicts into table rows. */
import { seededRandom, type Scenario } from './trial';

export interface ScenarioRow {
  scenario: string;
  trials: number;
  jobs: number;
  lost: number;
  stuck: number;
  duplicates: number;
  causes: Record<string, number>;
  failed: number;
  violations: string[];
  /** Trials that threw (harness or set-up errors), with the message. */
  errors: string[];
  notes: string[];
  ms: number;
  skipped: string | null;
}

export interface RunOptions {
  trials: number;
  seed: number;
  jobs: number;
  verbose?: boolean;
  log?: (line: string) => void;
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Run `trials` trials of each scenario. Each trial's PRNG is derived from (seed, scenario, trial)
 * so that one trial can be replayed alone. Output: one row per scenario. Errors: never throws;
 * a trial that throws is counted in `errors`.
 */
export async function runScenarios(scenarios: Scenario[], options: RunOptions): Promise<ScenarioRow[]> {
  const log = options.log ?? ((line: string) => console.log(line));
  const rows: ScenarioRow[] = [];
  for (const s of scenarios) {
    const row: ScenarioRow = {
      scenario: s.name, trials: 0, jobs: 0, lost: 0, stuck: 0, duplicates: 0, causes: {}, failed: 0,
      violations: [], errors: [], notes: [], ms: 0, skipped: s.unavailable?.() ?? null,
    };
    rows.push(row);
    if (row.skipped) {
      log(`${s.name}: SKIPPED — ${row.skipped}`);
      continue;
    }
    const t0 = Date.now();
    let teardown: (() => Promise<void>) | null = null;
    try {
      teardown = s.setup ? await s.setup() : null;
      for (let trial = 1; trial <= options.trials; trial++) {
        const random = seededRandom((options.seed ^ hashName(s.name)) + trial * 7919);
        const t1 = Date.now();
        try {
          const r = await s.run({ random, trial, jobs: options.jobs, log: options.verbose ? log : () => undefined });
          row.trials++;
          row.jobs += r.jobs;
          row.lost += r.lost.length;
          row.stuck += r.stuck.length;
          row.duplicates += r.duplicates;
          row.failed += r.failed;
          for (const [k, v] of Object.entries(r.causes)) row.causes[k] = (row.causes[k] ?? 0) + v;
          row.violations.push(...(r.violations ?? []).map((v) => `trial ${trial}: ${v}`));
          for (const n of r.notes ?? []) if (!row.notes.includes(n) && row.notes.length < 8) row.notes.push(n);
          if (options.verbose || r.lost.length || r.stuck.length || r.violations?.length) {
            log(
              `${s.name} #${trial}: jobs ${r.jobs} lost ${r.lost.length} stuck ${r.stuck.length} dup ${r.duplicates} ` +
                `${Date.now() - t1} ms${r.lost.length ? ` lost=${r.lost.slice(0, 5).join(',')}` : ''}` +
                `${r.stuck.length ? ` stuck=${r.stuck.slice(0, 5).join(',')}` : ''} ${(r.violations ?? []).join('; ')} ${(r.notes ?? []).join('; ')}`,
            );
          }
        } catch (err) {
          row.errors.push(`trial ${trial}: ${(err as Error).message.slice(0, 300)}`);
          log(`${s.name} #${trial}: ERROR ${(err as Error).message.slice(0, 500)}`);
        }
        if (trial % 10 === 0) log(`${s.name}: ${trial}/${options.trials} trials, ${Math.round((Date.now() - t0) / 1000)} s`);
      }
    } catch (err) {
      row.errors.push(`setup: ${(err as Error).message.slice(0, 300)}`);
      log(`${s.name}: SETUP ERROR ${(err as Error).message}`);
    } finally {
      await teardown?.().catch((err: unknown) => log(`${s.name}: teardown failed: ${(err as Error).message}`));
    }
    row.ms = Date.now() - t0;
    log(formatTable([row]));
  }
  return rows;
}

/** The results as a fixed-width text table (plus violations and errors below it). */
export function formatTable(rows: ScenarioRow[]): string {
  const head = ['scenario', 'trials', 'jobs', 'lost', 'stuck', 'dup', 'dup causes (attempts)', 'failed', 'errors', 'time'];
  const body = rows.map((r) =>
    r.skipped
      ? [r.scenario, 'skipped', '', '', '', '', r.skipped.slice(0, 40), '', '', '']
      : [
          r.scenario, String(r.trials), String(r.jobs), String(r.lost), String(r.stuck), String(r.duplicates),
          Object.entries(r.causes).map(([k, v]) => `${k}:${v}`).join(' ') || '-',
          String(r.failed), String(r.errors.length + r.violations.length), `${(r.ms / 1000).toFixed(0)} s`,
        ],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)];
  for (const r of rows) {
    for (const v of r.violations.slice(0, 10)) out.push(`  ${r.scenario} violation: ${v}`);
    for (const e of r.errors.slice(0, 10)) out.push(`  ${r.scenario} error: ${e}`);
    for (const n of r.notes.slice(0, 4)) out.push(`  ${r.scenario} note: ${n}`);
  }
  return out.join('\n');
}
