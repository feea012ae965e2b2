/**
 * Fuzz of the CLI arguments (runCli in-process) against a database in a temp dir: hostile
 * option values and unknown options on every command end with exit status 2 and a usage or
 * validation message on stderr (no stack trace), the process stays up, the database and
 * Object.prototype are unchanged.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMANDS, runCli } from '../../src/main/cli/run-cli';
import { assertNoPrototypePollution, databaseChecksum, fcParams, FUZZ_TIMEOUT, hostileLeaf, NASTY_STRINGS, PROTO_KEYS } from './fuzz-helpers';

const dir = mkdtempSync(join(tmpdir(), 'jobhandle-fuzz-cli-'));
const db = join(dir, 'jobs.db');
const env = { JOBHANDLE_DATA_DIR: dir };

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t), env });
  return { code, out, err };
}

beforeAll(async () => {
  const r = await cli(['submit', 'command', '--db', db, '--param', 'argv=["true"]']);
  expect(r.code, r.err).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COMMAND_NAMES = Object.keys(COMMANDS);
// (-h / --help are left out: help wins over everything and exits 0, by design.)
const arg = fc
  .oneof(fc.constantFrom(...NASTY_STRINGS.map((s) => s.slice(0, 300)), '--', '-', '--json'), fc.string({ unit: 'binary', maxLength: 20 }), hostileLeaf.map(String))
  .filter((s) => s !== '-h' && s !== '--help');
/** Not a number at all (a tiny positive timeout like 1e-200 is a valid, if odd, value). */
const notNumber = arg.filter((s) => s.trim() === '' || !Number.isFinite(Number(s)));

describe('CLI fuzz', () => {
  it('an unknown option on any command is exit 2 with a message, nothing stored', async () => {
    const before = databaseChecksum(db);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...COMMAND_NAMES), fc.array(arg, { maxLength: 4 }), fc.string({ minLength: 1, maxLength: 10 }), async (name, args, junk) => {
        const r = await cli([name, '--db', db, ...args, `--no-such-option-${junk.replace(/[=\s]/g, 'x')}`]);
        expect(r.code, `${name} ${args.join(' ')}: ${r.err}`).toBe(2);
        expect(r.err.length).toBeGreaterThan(3);
        expect(r.err).not.toMatch(/\n\s+at /);
      }),
      fcParams(300),
    );
    expect(databaseChecksum(db)).toBe(before);
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);

  it('hostile --param pairs, numbers and ids are exit 2 naming the option or field', async () => {
    const before = databaseChecksum(db);
    const cases = fc.oneof(
      fc.tuple(fc.constantFrom(...PROTO_KEYS), arg).map(([k, v]) => ['submit', 'command', '--param', `${k}=${v}`]),
      arg.filter((s) => !s.includes('=')).map((s) => ['submit', 'command', '--param', s]),
      fc.tuple(fc.constantFrom('--priority', '--max-retries', '--timeout'), notNumber.filter((s) => !/^(LOW|NORMAL|HIGH|URGENT|low|normal|high|urgent)$/.test(s)))
        .map(([o, v]) => ['submit', 'command', '--param', 'argv=["true"]', `${o}=${v}`]),
      fc.tuple(fc.constantFrom('--limit', '--days'), notNumber).map(([o, v]) => [o === '--days' ? 'cleanup' : 'list', `${o}=${v}`]),
      fc.constant(['submit', 'command', '--param', `argv=${'['.repeat(100_000)}`]),
    );
    await fc.assert(
      fc.asyncProperty(cases, async (argv) => {
        const r = await cli([...argv, '--db', db]);
        expect(r.code, `${argv.join(' ').slice(0, 200)} → ${r.err}`).toBe(2);
        expect(r.err).toMatch(/param|priority|retries|timeout|limit|days|argv|option|expected|invalid|unknown/i);
        expect(r.err).not.toMatch(/\n\s+at /);
      }),
      fcParams(300),
    );
    expect(databaseChecksum(db)).toBe(before);
    assertNoPrototypePollution();
  }, FUZZ_TIMEOUT);
});
