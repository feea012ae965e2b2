/** How the CLI prints: JSON with `--json`, aligned text tables otherwise. */
import type { JobRecord } from '../../shared/model';

export interface Output {
  json: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export function iso(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? '-' : new Date(ms).toISOString();
}

export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function jobsTable(jobs: JobRecord[]): string {
  const rows = [['ID', 'TYPE', 'QUEUE', 'PRIORITY', 'STATUS', 'PROGRESS', 'ATTEMPTS', 'CREATED']];
  for (const j of jobs) {
    rows.push([j.id, j.type, j.queue, j.priority, j.status, `${Math.round(j.progress)}%`, String(j.attempts), iso(j.createdAt)]);
  }
  return table(rows);
}

export function jobDetail(job: JobRecord): string {
  const lines = [
    `id:        ${job.id}`,
    `type:      ${job.type}   queue: ${job.queue}   priority: ${job.priority}`,
    `status:    ${job.status}${job.cancelRequested ? ' (cancel requested)' : ''}   progress: ${Math.round(job.progress)}%${job.progressMessage ? ` ${job.progressMessage}` : ''}`,
    `attempts:  ${job.attempts} (max retries ${job.maxRetries})   timeout: ${job.timeoutSeconds} s`,
    `created:   ${iso(job.createdAt)}   run at: ${iso(job.runAt)}`,
    `started:   ${iso(job.startedAt)}   finished: ${iso(job.finishedAt)}   worker: ${job.worker ?? '-'}`,
    `params:    ${JSON.stringify(job.parameters)}`,
  ];
  if (job.result !== null && job.result !== undefined) lines.push(`result:    ${JSON.stringify(job.result)}`);
  if (job.error) lines.push(`error:     [${job.error.class}] ${job.error.message}`);
  return lines.join('\n');
}
