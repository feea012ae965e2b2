/**
 * The `command` job type: run a program (never through a shell unless asked), stream its
 * stdout/stderr lines into the job log, and kill its whole process tree on cancel or timeout.
 *
 * POSIX: the child leads a new process group (`detached: true`); the group gets SIGTERM, then
 * SIGKILL after `killGraceMs`. Windows: `taskkill /pid P /T /F`. Processes the command leaves
 * running in its group when it exits are ended the same way: a job leaves no orphans behind.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { PermanentError, TransientError, type JobContext, type JobHandler } from './handler-types';
import { parseHandlerParams } from './result-guard';

/** Longest line kept in the log; the rest of a longer line is dropped with a marker. */
export const MAX_LINE_BYTES = 8 * 1024;
/** Lines of stdout and of stderr kept in the result. */
export const TAIL_LINES = 20;
const IS_WINDOWS = process.platform === 'win32';
const POLL_MS = 25;

const exitCodes = z.array(z.number().int().min(0).max(255), { error: 'expected an array of exit codes (integers 0–255)' });

export const CommandParamsSchema = z
  .strictObject({
    argv: z
      .array(z.string(), { error: 'expected a non-empty array of strings' })
      .min(1, { error: 'expected a non-empty array of strings' }),
    shell: z.boolean({ error: 'expected true or false' }).optional(),
    cwd: z.string({ error: 'expected a directory path' }).min(1, { error: 'expected a directory path' }).optional(),
    env: z.record(z.string(), z.string(), { error: 'expected an object of string values' }).optional(),
    stdin: z.string({ error: 'expected a string' }).optional(),
    successExitCodes: exitCodes.min(1, { error: 'expected at least one exit code' }).default([0]),
    permanentExitCodes: exitCodes.default([]),
    killGraceMs: z.number({ error: 'expected milliseconds' }).int().min(0).max(600_000).default(2000),
  })
  .superRefine((p, ctx) => {
    if (p.shell && p.argv.length !== 1) {
      ctx.addIssue({ code: 'custom', path: ['argv'], message: 'with shell: true, expected exactly one string: the script' });
    }
  });
export type CommandParams = z.output<typeof CommandParamsSchema>;

export interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** Last lines of stdout / stderr, oldest first. */
  stdoutTail: string[];
  stderrTail: string[];
}

/** Splits a text stream into lines, caps each line at MAX_LINE_BYTES and keeps a tail. */
class LineSplitter {
  private pending = '';
  private overflow = false;
  readonly tail: string[] = [];
  constructor(private readonly emit: (line: string) => void) {}

  push(chunk: string): void {
    const parts = (this.pending + chunk).split('\n');
    let rest = parts.pop() ?? '';
    for (const part of parts) this.line(part);
    // A line longer than the cap: keep its start only, so that memory stays bounded.
    if (rest.length > MAX_LINE_BYTES) {
      this.overflow = true;
      rest = rest.slice(0, MAX_LINE_BYTES);
    }
    this.pending = rest;
  }

  /** Emit the last line when it has no newline. */
  end(): void {
    if (this.pending || this.overflow) this.line(this.pending);
    this.pending = '';
  }

  private line(raw: string): void {
    let line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    let truncated = this.overflow;
    this.overflow = false;
    if (line.length * 3 > MAX_LINE_BYTES && Buffer.byteLength(line, 'utf8') > MAX_LINE_BYTES) {
      truncated = true;
      line = Buffer.from(line, 'utf8').subarray(0, MAX_LINE_BYTES).toString('utf8').replace(/\uFFFD$/, '');
    }
    if (truncated) line += ' … [line truncated at 8 KiB]';
    this.tail.push(line);
    if (this.tail.length > TAIL_LINES) this.tail.shift();
    this.emit(line);
  }
}

function describeReason(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return typeof reason === 'string' ? reason : JSON.stringify(reason) ?? String(reason);
}

/** The error a handler throws once its signal aborted it; the caller classifies it from signal.reason. */
function abortError(what: string, reason: unknown): Error {
  const err = new Error(`${what} aborted: ${describeReason(reason)}`, { cause: reason });
  err.name = 'AbortError';
  return err;
}

/** Is any live (non-zombie) process left in process group `pgid`? */
async function groupAlive(pgid: number): Promise<boolean> {
  try {
    process.kill(-pgid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  if (process.platform !== 'linux') return true;
  // kill(0) also succeeds for zombies nobody reaps (a container's PID 1 may not): look closer.
  const entries = await readdir('/proc').catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone.
  }
}

/**
 * End the process tree rooted at `pid`. POSIX: SIGTERM to its group, SIGKILL after `graceMs`
 * if anything is left. Windows: taskkill /T /F. Resolves once the tree is gone (or, after
 * SIGKILL, once a further second has passed).
 */
async function killTree(pid: number, graceMs: number): Promise<void> {
  if (IS_WINDOWS) {
    await new Promise<void>((done) => execFile('taskkill', ['/pid', String(pid), '/T', '/F'], { windowsHide: true }, () => done()));
    return;
  }
  signalGroup(pid, 'SIGTERM');
  const termDeadline = Date.now() + graceMs;
  while (Date.now() < termDeadline) {
    if (!(await groupAlive(pid))) return;
    await sleep(POLL_MS);
  }
  signalGroup(pid, 'SIGKILL');
  const killDeadline = Date.now() + 1000;
  while (Date.now() < killDeadline && (await groupAlive(pid))) await sleep(POLL_MS);
}

function spawnFailure(err: NodeJS.ErrnoException, program: string): Error {
  if (err.code === 'ENOENT') {
    return new PermanentError(`command not found: "${program}" (ENOENT); check the program name and the PATH of the worker`, 'ENOENT');
  }
  if (err.code === 'EACCES') return new PermanentError(`command is not executable: "${program}" (EACCES)`, 'EACCES');
  return new TransientError(`could not start "${program}": ${err.message}`, err.code);
}

async function checkCwd(cwd: string): Promise<void> {
  const info = await stat(cwd).catch(() => null);
  if (!info?.isDirectory()) throw new PermanentError(`parameters.cwd: no such directory: ${cwd}`, 'VALIDATION');
}

function startChild(p: CommandParams, cwd: string | undefined): ChildProcess {
  const options = {
    cwd,
    env: p.env ? { ...process.env, ...p.env } : process.env,
    stdio: [p.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] as ('ignore' | 'pipe')[],
    // POSIX: lead a new process group so that the whole tree can be signalled at once.
    detached: !IS_WINDOWS,
    windowsHide: true,
  };
  const [program, ...args] = p.argv as [string, ...string[]];
  return p.shell ? spawn(program, { ...options, shell: true }) : spawn(program, args, options);
}

/**
 * Built-in `command` handler.
 * Input: ctx.params `{ argv, shell?, cwd?, env?, stdin?, successExitCodes?, permanentExitCodes?, killGraceMs? }`.
 * Output: CommandResult `{ exitCode, signal, durationMs, stdoutTail, stderrTail }`.
 * Errors: PermanentError for bad parameters, a missing program (ENOENT) or an exit code listed
 * in permanentExitCodes; TransientError for any other unsuccessful exit or a death by signal;
 * an Error named AbortError (`command aborted: <reason>`) after ctx.signal aborted, once the
 * whole process tree is gone.
 */
export const commandHandler: JobHandler = async (ctx: JobContext): Promise<CommandResult> => {
  const p = parseHandlerParams(CommandParamsSchema, ctx.params);
  const cwd = p.cwd === undefined ? undefined : resolve(p.cwd);
  if (cwd !== undefined) await checkCwd(cwd);
  if (ctx.signal.aborted) throw abortError('command', ctx.signal.reason);

  const started = performance.now();
  const child = startChild(p, cwd);
  const out = new LineSplitter((line) => ctx.log(line, 'out'));
  const err = new LineSplitter((line) => ctx.log(line, 'err'));
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => out.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => err.push(chunk));
  if (child.stdin) {
    child.stdin.on('error', () => undefined); // EPIPE when the program does not read its input
    child.stdin.end(p.stdin);
  }

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done, fail) => {
    child.once('error', fail);
    child.once('exit', (code, signal) => done({ code, signal }));
  });
  const closed = new Promise<void>((done) => child.once('close', () => done()));
  // 'error' after a successful spawn (rare) must not go unhandled.
  exited.catch(() => undefined);

  if (child.pid === undefined) {
    const failure = await exited.then(() => null, (e: NodeJS.ErrnoException) => e);
    throw failure ? spawnFailure(failure, p.argv[0]!) : new TransientError(`could not start "${p.argv[0]}"`);
  }
  const pid = child.pid;
  ctx.trackProcess(pid);

  let aborting: Promise<void> | null = null;
  const onAbort = (): void => {
    aborting ??= killTree(pid, p.killGraceMs);
  };
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    const { code, signal } = await exited;
    // An abort that came after the command had exited does not change its outcome.
    const abortedFirst = ctx.signal.aborted;
    // Leftovers in the group hold our pipes open: end them too (systemd's KillMode=control-group).
    if (!aborting && !IS_WINDOWS && (await groupAlive(pid))) aborting = killTree(pid, p.killGraceMs);
    await aborting;
    // Read what is left in the pipes; don't wait forever on a pipe someone outside the group holds.
    await Promise.race([closed, sleep(2000)]);
    child.stdout?.destroy();
    child.stderr?.destroy();
    out.end();
    err.end();
    if (abortedFirst) throw abortError('command', ctx.signal.reason);

    const result: CommandResult = {
      exitCode: code,
      signal,
      durationMs: Math.round(performance.now() - started),
      stdoutTail: out.tail,
      stderrTail: err.tail,
    };
    if (code !== null && p.successExitCodes.includes(code)) return result;
    const lastErr = err.tail.slice(-5).join('\n').slice(-2000);
    const how = code !== null ? `exited with code ${code}` : `was killed by signal ${signal}`;
    const message = `command ${how}${lastErr ? `; stderr ends with:\n${lastErr}` : ''}`;
    if (code !== null && p.permanentExitCodes.includes(code)) throw new PermanentError(message, `EXIT_${code}`);
    throw new TransientError(message, code !== null ? `EXIT_${code}` : String(signal));
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
};
