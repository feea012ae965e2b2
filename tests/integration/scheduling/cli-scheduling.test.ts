/**
 * The CLI's schedule commands and `submit --depends-on` / `show`, run in-process through
 * runCli against a temp database.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run-cli';

let dir: string;
let db: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'jobhandle-cli-sched-'));
  db = join(dir, 'jobs.db');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli([...argv, '--db', db], { out: (t) => out.push(t), err: (t) => err.push(t), env: { JOBHANDLE_DATA_DIR: dir } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const TRUE_JOB = ['--params-json', JSON.stringify({ argv: ['true'] })];

describe('jobhandle schedule', () => {
  it('add / list / next / pause / resume / rm, with --json', async () => {
    const added = await cli('schedule', 'add', 'command', ...TRUE_JOB, '--cron', '30 2 * * *', '--tz', 'America/New_York', '--misfire', 'skip', '--overlap', 'queue', '--json');
    expect(added.code).toBe(0);
    const s = JSON.parse(added.out) as { id: string; definition: Record<string, unknown> };
    expect(s.definition).toMatchObject({ cronExpression: '30 2 * * *', timezone: 'America/New_York', misfirePolicy: 'skip', overlapPolicy: 'queue' });

    const every = await cli('schedule', 'add', 'command', ...TRUE_JOB, '--every', '1h30m');
    expect(every.code).toBe(0);
    expect(every.out).toMatch(/^sch-\S+ {2}created {2}every 5400s {2}next: /);

    const list = await cli('schedule', 'list', '--json');
    expect((JSON.parse(list.out) as { schedules: unknown[] }).schedules).toHaveLength(2);
    const table = await cli('schedule', 'list');
    expect(table.out).toContain('cron 30 2 * * *');
    expect(table.out).toContain('America/New_York');

    const next = await cli('schedule', 'next', s.id, '--count', '3', '--json');
    const fires = (JSON.parse(next.out) as { zone: string; fires: Array<{ local: string; utc: string }> }).fires;
    expect(fires).toHaveLength(3);
    expect(fires.every((f) => /T02:30:00\.000-0[45]:00$/.test(f.local) || /T03:00:00\.000-04:00$/.test(f.local))).toBe(true);

    expect((await cli('schedule', 'pause', s.id)).out).toContain('paused');
    expect(JSON.parse((await cli('schedule', 'resume', s.id, '--json')).out).state.paused).toBe(false);
    expect((await cli('schedule', 'rm', s.id)).out).toBe(`${s.id}  deleted`);
    const gone = await cli('schedule', 'next', s.id);
    expect(gone.code).toBe(2);
    expect(gone.err).toContain(`no schedule with id ${s.id}`);
  });

  it('refuses a bad trigger or duration with a usage error naming it', async () => {
    const both = await cli('schedule', 'add', 'command', ...TRUE_JOB, '--cron', '* * * * *', '--every', '5m');
    expect(both.code).toBe(2);
    expect(both.err).toContain('give one of --cron, --every, --at (got --cron and --every)');
    const bad = await cli('schedule', 'add', 'command', ...TRUE_JOB, '--every', '5 minutes');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--every "5 minutes": expected a duration such as 30s, 5m, 2h, 1d or 1h30m');
    const cron = await cli('schedule', 'add', 'command', ...TRUE_JOB, '--cron', '0 25 * * *');
    expect(cron.code).toBe(2);
    expect(cron.err).toContain('cronExpression: hour field "25": 25 is outside 0-23');
  });
});

describe('jobhandle submit --depends-on and show', () => {
  it('submits a waiting dependent and shows the edge from both ends', async () => {
    const head = JSON.parse((await cli('submit', 'command', ...TRUE_JOB, '--json')).out) as { id: string };
    const dep = await cli('submit', 'command', ...TRUE_JOB, '--depends-on', `${head.id}:completion`, '--json');
    expect(dep.code).toBe(0);
    const job = JSON.parse(dep.out) as { id: string; status: string; dependencies: unknown[] };
    expect(job.status).toBe('waiting');
    expect(job.dependencies).toEqual([{ jobId: head.id, trigger: 'completion' }]);

    const shown = await cli('show', job.id);
    expect(shown.out).toContain('status:    waiting');
    expect(shown.out).toMatch(new RegExp(`waits for \\(dependencies\\):\\nJOB\\s+TRIGGER\\s+EDGE\\s+ITS STATUS\\n${head.id}\\s+completion\\s+waiting\\s+pending`));
    const fromHead = JSON.parse((await cli('show', head.id, '--json')).out) as { dependents: Array<{ jobId: string; trigger: string }> };
    expect(fromHead.dependents.map((d) => [d.jobId, d.trigger])).toEqual([[job.id, 'completion']]);

    const bad = await cli('submit', 'command', ...TRUE_JOB, '--depends-on', `${head.id}:sometimes`);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown trigger "sometimes"; expected completion, success, failure');
    const unknown = await cli('submit', 'command', ...TRUE_JOB, '--depends-on', 'nope');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('dependencies[0].jobId: no job with id nope');
  });
});
