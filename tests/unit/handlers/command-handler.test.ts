import { mkdtemp, readFile, rm, realpath } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandHandler, type CommandResult } from '../../../src/main/engine/handlers/command-handler';
import { PermanentError, TransientError } from '../../../src/main/engine/handlers/handler-types';
import { makeContext } from '../../helpers/job-context';

const posix = process.platform !== 'win32';
const node = process.execPath;

/** Alive and not a zombie (a container's PID 1 may never reap orphans). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (process.platform !== 'linux' || !existsSync(`/proc/${pid}/stat`)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

async function readPids(file: string, count: number): Promise<number[]> {
  await waitFor(async () => existsSync(file) && (await readFile(file, 'utf8')).trim().split(/\s+/).length >= count);
  return (await readFile(file, 'utf8')).trim().split(/\s+/).map(Number);
}

let dir: string;
beforeEach(async () => {
  dir = await realpath(await mkdtemp(join(tmpdir(), 'jh-cmd-')));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('command handler', () => {
  it('streams stdout and stderr lines, including a last line without newline', async () => {
    const script = `process.stdout.write('one\\ntwo\\n'); process.stderr.write('warn 1\\n'); process.stdout.write('three');`;
    const t = makeContext({ argv: [node, '-e', script] });
    const result = (await commandHandler(t.ctx)) as CommandResult;
    expect(t.lines('out')).toEqual(['one', 'two', 'three']);
    expect(t.lines('err')).toEqual(['warn 1']);
    expect(result.exitCode).toBe(0);
    expect(result.signal).toBeNull();
    expect(result.stdoutTail).toEqual(['one', 'two', 'three']);
    expect(result.stderrTail).toEqual(['warn 1']);
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(t.pids).toHaveLength(1);
  });

  it('keeps the last 20 lines as tails and caps a long line at 8 KiB', async () => {
    const script = `for (let i = 1; i <= 30; i++) console.log('line ' + i); console.log('x'.repeat(20000)); process.stdout.write('end');`;
    const t = makeContext({ argv: [node, '-e', script] });
    const result = (await commandHandler(t.ctx)) as CommandResult;
    expect(t.lines('out')).toHaveLength(32);
    expect(result.stdoutTail).toHaveLength(20);
    expect(result.stdoutTail[0]).toBe('line 13');
    expect(result.stdoutTail.at(-1)).toBe('end');
    const long = result.stdoutTail.at(-2)!;
    expect(long.startsWith('x'.repeat(8192))).toBe(true);
    expect(long).toContain('truncated');
    expect(long.length).toBeLessThan(8300);
  });

  it('passes stdin, env (merged over process.env) and cwd', async () => {
    const script = `let s='';process.stdin.on('data',d=>s+=d).on('end',()=>console.log([s, process.env.JH_TEST, typeof process.env.PATH, process.cwd()].join('|')))`;
    const t = makeContext({ argv: [node, '-e', script], stdin: 'hello', env: { JH_TEST: 'value 1' }, cwd: dir });
    await commandHandler(t.ctx);
    expect(t.lines('out')).toEqual([`hello|value 1|string|${dir}`]);
  });

  it.runIf(posix)('runs a script through the shell only when shell is true', async () => {
    const t = makeContext({ argv: ['echo $((40 + 2)) | tr 4 X'], shell: true });
    await commandHandler(t.ctx);
    expect(t.lines('out')).toEqual(['X2']);
    const literal = makeContext({ argv: ['echo', '$HOME;', 'ls'] });
    await commandHandler(literal.ctx);
    expect(literal.lines('out')).toEqual(['$HOME; ls']);
  });

  it('fails with a transient error on a non-zero exit, permanent when listed', async () => {
    const argv = [node, '-e', `console.error('bad thing'); process.exit(3)`];
    const transient = commandHandler(makeContext({ argv }).ctx);
    await expect(transient).rejects.toBeInstanceOf(TransientError);
    await expect(transient).rejects.toThrow(/exited with code 3[\s\S]*bad thing/);
    await expect(commandHandler(makeContext({ argv, permanentExitCodes: [3] }).ctx)).rejects.toBeInstanceOf(PermanentError);
    const ok = (await commandHandler(makeContext({ argv, successExitCodes: [0, 3] }).ctx)) as CommandResult;
    expect(ok.exitCode).toBe(3);
  });

  it('fails permanently with a clear message when the program does not exist', async () => {
    const run = commandHandler(makeContext({ argv: ['jobhandle-no-such-program-xyz', '--flag'] }).ctx);
    await expect(run).rejects.toBeInstanceOf(PermanentError);
    await expect(run).rejects.toThrow(/command not found: "jobhandle-no-such-program-xyz"/);
  });

  it('rejects bad parameters with a permanent error naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ argv: [] }, /parameters\.argv: expected a non-empty array of strings/],
      [{ argv: 'ls -l' }, /parameters\.argv: expected a non-empty array of strings/],
      [{ argv: ['ls', 3] }, /parameters\.argv\[1\]/],
      [{ argv: ['ls'], env: { A: 1 } }, /parameters\.env\.A/],
      [{ argv: ['a', 'b'], shell: true }, /parameters\.argv: with shell: true/],
      [{ argv: ['ls'], bogus: 1 }, /parameters: unknown field "bogus"/],
      [{ argv: ['ls'], cwd: join(dir, 'missing') }, /parameters\.cwd: no such directory/],
    ];
    for (const [params, message] of cases) {
      const run = commandHandler(makeContext(params).ctx);
      await expect(run).rejects.toBeInstanceOf(PermanentError);
      await expect(run).rejects.toThrow(message);
    }
  });

  it.runIf(posix)('on abort kills the whole process tree, grandchildren included', async () => {
    const pidFile = join(dir, 'pids');
    const script = `sleep 100 & echo $! >> '${pidFile}'; sleep 100 & echo $! >> '${pidFile}'; wait`;
    const t = makeContext({ argv: ['sh', '-c', script], killGraceMs: 3000 });
    const run = Promise.resolve(commandHandler(t.ctx));
    run.catch(() => undefined);
    const grandchildren = await readPids(pidFile, 2);
    expect(grandchildren.every(isAlive)).toBe(true);
    const started = Date.now();
    t.abort('cancelled');
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'command aborted: cancelled' });
    // SIGTERM suffices here: everything is gone well within the grace period.
    expect(Date.now() - started).toBeLessThan(3000);
    expect(grandchildren.some(isAlive)).toBe(false);
    expect(isAlive(t.pids[0]!)).toBe(false);
  });

  it.runIf(posix)('sends SIGKILL after the grace period to a tree that ignores SIGTERM', async () => {
    const pidFile = join(dir, 'pids');
    // The shell and its background child both ignore SIGTERM.
    const script = `trap '' TERM; sh -c "trap '' TERM; echo \\$\\$ >> '${pidFile}'; while :; do sleep 0.05; done" & echo $$ >> '${pidFile}'; wait`;
    const t = makeContext({ argv: ['sh', '-c', script], killGraceMs: 300 });
    const run = Promise.resolve(commandHandler(t.ctx));
    run.catch(() => undefined);
    const pids = await readPids(pidFile, 2);
    const started = Date.now();
    t.abort(new Error('timeout'));
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'command aborted: timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(pids.some(isAlive)).toBe(false);
  });

  it.runIf(posix)('ends processes the command leaves behind in its group when it exits', async () => {
    const pidFile = join(dir, 'pids');
    const t = makeContext({ argv: ['sh', '-c', `sleep 100 & echo $! > '${pidFile}'; echo started`] });
    const result = (await commandHandler(t.ctx)) as CommandResult;
    expect(result.exitCode).toBe(0);
    expect(t.lines('out')).toEqual(['started']);
    const [leftover] = await readPids(pidFile, 1);
    expect(isAlive(leftover!)).toBe(false);
  });

  it('does not start anything when the signal is already aborted', async () => {
    const t = makeContext({ argv: [node, '-e', ''] });
    t.abort('shutdown');
    await expect(commandHandler(t.ctx)).rejects.toMatchObject({ name: 'AbortError', message: 'command aborted: shutdown' });
    expect(t.pids).toEqual([]);
  });
});
