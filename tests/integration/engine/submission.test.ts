/**
 * Submissions against a real SQLite file: bulk all-or-nothing, and invalid submissions
 * rejected with a clear AppError with nothing written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobSubmission } from '../../../src/shared/model';
import { countJobs, recordEvents, startEngine, type TestEngine } from '../../helpers/engine';
import { rejection } from '../../helpers/rejection';

let engine: TestEngine;
beforeAll(async () => {
  // A client, as the CLI opens it: validation does not need workers.
  engine = await startEngine({ start: false });
});
afterAll(async () => {
  await engine.cleanup();
});

describe('engine: bulk submit', () => {
  it('writes nothing when one job of 100 is invalid, and names it', async () => {
    const m = engine.manager;
    const added = recordEvents(m, 'job:added');
    const jobs: JobSubmission[] = Array.from({ length: 100 }, (_, i) => ({ type: 'noop', parameters: { n: i } }));
    jobs[57] = { type: 'noop', priority: 'SUPER' as never, parameters: { n: 57 } };
    const err = await rejection(m.submitJobs(jobs));
    added.stop();
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toMatch(/^invalid jobs\[57\]: priority: expected one of LOW, NORMAL, HIGH, URGENT/);
    expect(await countJobs(m)).toBe(0);
    expect(added.events).toEqual([]);

    // The same batch, fixed, goes in whole.
    jobs[57] = { type: 'noop', priority: 'high', parameters: { n: 57 } };
    const records = await m.submitJobs(jobs);
    expect(records).toHaveLength(100);
    expect(records[57]!.priority).toBe('HIGH');
    expect(await countJobs(m)).toBe(100);
  });
});

describe('engine: invalid submissions', () => {
  const cases: Array<{ name: string; input: unknown; code: string[]; message: RegExp }> = [
    {
      name: 'unknown type',
      input: { type: 'no-such-type' },
      code: ['UNKNOWN_JOB_TYPE'],
      message: /no handler is registered for job type "no-such-type"; known types: .*noop/,
    },
    {
      name: 'bad priority',
      input: { type: 'noop', priority: 'SUPER' },
      code: ['VALIDATION'],
      message: /priority: expected one of LOW, NORMAL, HIGH, URGENT/,
    },
    { name: 'negative timeout', input: { type: 'noop', timeoutSeconds: -5 }, code: ['VALIDATION'], message: /timeoutSeconds/ },
    {
      name: 'malformed params (an array)',
      input: { type: 'noop', parameters: [1, 2, 3] },
      code: ['VALIDATION'],
      message: /parameters: .*(object|record)/i,
    },
    {
      name: 'oversized params',
      input: { type: 'noop', parameters: { blob: 'x'.repeat(300 * 1024) } },
      code: ['PAYLOAD_TOO_LARGE'],
      message: /parameters: \d+ bytes as JSON; at most 262144 bytes are accepted/,
    },
    {
      name: 'malformed params of a built-in type',
      input: { type: 'command', parameters: { argv: 'ls -l' } },
      code: ['VALIDATION'],
      message: /parameters\.argv: /,
    },
    {
      name: 'a built-in type with an unknown parameter',
      input: { type: 'http', parameters: { url: 'http://127.0.0.1/', verb: 'GET' } },
      code: ['VALIDATION'],
      message: /parameters: unknown field "verb"/,
    },
    { name: 'unknown field', input: { type: 'noop', colour: 'red' }, code: ['VALIDATION'], message: /unknown field "colour"/ },
    { name: 'bad type name', input: { type: 'Not A Type' }, code: ['VALIDATION'], message: /type: expected a type name/ },
    { name: 'not an object', input: 'noop', code: ['VALIDATION'], message: /invalid job/ },
  ];

  for (const c of cases) {
    it(`rejects ${c.name} with a clear error and writes nothing`, async () => {
      const m = engine.manager;
      const before = await countJobs(m);
      const added = recordEvents(m, 'job:added');
      const err = await rejection(m.submitJob(c.input as JobSubmission));
      added.stop();
      expect(c.code).toContain(err.code);
      expect(err.message).toMatch(c.message);
      expect(err.message).not.toMatch(/\n\s+at /); // no stack trace for a user
      expect(await countJobs(m)).toBe(before);
      expect(added.events).toEqual([]);
      // Same in a bulk call: the good job next to it is not written either.
      const bulk = await rejection(m.submitJobs([{ type: 'noop' }, c.input as JobSubmission]));
      expect(c.code).toContain(bulk.code);
      expect(bulk.message).toContain('jobs[1]');
      expect(await countJobs(m)).toBe(before);
    });
  }
});
