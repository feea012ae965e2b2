/** Small helpers shared by the benchmarks: temp dirs, percentiles, the result table. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface BenchRow {
  group: string;
  name: string;
  value: number | null;
  unit: string;
  /** Ratio to the peer row named by `peer` (same unit), when both ran. */
  peer?: string;
  /** With `peer`: the peer row's name, when its group has several rows. */
  peerName?: string;
  ratio?: number | null;
  note?: string;
}

export function tempDir(prefix: string): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `jobhandle-bench-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Nearest-rank percentile of an unsorted sample. */
export function percentile(sample: number[], p: number): number {
  if (!sample.length) return NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * CPU time (ms) the calling thread has used, from /proc/thread-self/stat (Linux; clock ticks of
 * 10 ms). null where there is no /proc: the rows that use it then say so.
 */
export function threadCpuMs(): number | null {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/**
 * Rows measured in several rounds, folded into one row each (matched by group and name): the
 * median value, with the rounds' range in the note. The rounds alternate the peers, so a machine
 * that speeds up or slows down over minutes weighs on every peer alike.
 */
export function medianOfRounds(rounds: BenchRow[][]): BenchRow[] {
  if (rounds.length <= 1) return rounds[0] ?? [];
  return rounds[0]!.map((first) => {
    const values = rounds
      .map((round) => round.find((r) => r.group === first.group && r.name === first.name)?.value)
      .filter((v): v is number => typeof v === 'number');
    if (values.length < rounds.length) return first; // skipped or missing in a round: as the first round said
    const sorted = [...values].sort((a, b) => a - b);
    const fmt = (v: number) => (v >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2));
    const range = `median of ${rounds.length} rounds, ${fmt(sorted[0]!)}–${fmt(sorted[sorted.length - 1]!)}`;
    return { ...first, value: percentile(values, 50), note: first.note ? `${first.note}; ${range}` : range };
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function formatTable(rows: BenchRow[]): string {
  const cells = [['group', 'measure', 'value', 'unit', 'vs peer']];
  for (const r of rows) {
    const value = r.value === null ? 'skipped' : r.value >= 100 ? Math.round(r.value).toLocaleString('en-US') : r.value.toFixed(2);
    const ratio = r.ratio === undefined ? '' : r.ratio === null ? 'n/a' : `${r.ratio.toFixed(2)}x ${r.peer}`;
    cells.push([r.group, r.name, value, r.unit, ratio + (r.note ? ` (${r.note})` : '')]);
  }
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((c) => c[i]!.length)));
  return cells.map((c) => c.map((x, i) => (i === 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ')).join('\n');
}
