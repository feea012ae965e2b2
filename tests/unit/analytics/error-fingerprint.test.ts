import { describe, expect, it } from 'vitest';
import { MAX_NORMALIZED_LENGTH, fingerprint, normalizeErrorMessage } from '../../../src/main/engine/analytics';

/** [message, normalized] — real-looking messages from Node, HTTP clients, databases and shells. */
const CASES: [string, string][] = [
  ["ENOENT: no such file or directory, open '/home/alice/data/report 2024.csv'", "ENOENT: no such file or directory, open '<path>'"],
  ['ENOENT: no such file or directory, open /var/lib/jobhandle/exports/out-17.csv', 'ENOENT: no such file or directory, open <path>'],
  ["EACCES: permission denied, mkdir 'C:\\Users\\Bob\\AppData\\Roaming\\JobHandle\\logs'", "EACCES: permission denied, mkdir '<path>'"],
  ['EBUSY: resource busy or locked, unlink D:\\jobs\\tmp\\chunk-0042.bin', 'EBUSY: resource busy or locked, unlink <path>'],
  ['\\\\fileserver\\share\\dir\\file.txt is locked', '<path> is locked'],
  ['read /proc/12345/status: no such process; see ./logs/worker.log, ../cfg/a.yml or ~/x.json', 'read <path>: no such process; see <path>, <path> or <path>'],
  ['file:///C:/temp/x.txt not found', '<path> not found'],
  ['connect ECONNREFUSED 127.0.0.1:6379', 'connect ECONNREFUSED <ip>:<port>'],
  ['connect ECONNREFUSED 10.0.3.41:6380', 'connect ECONNREFUSED <ip>:<port>'],
  ['connect ECONNREFUSED ::1:6379', 'connect ECONNREFUSED <ip>:<port>'],
  ['connect ECONNREFUSED [::1]:6379', 'connect ECONNREFUSED <ip>:<port>'],
  ['connect EHOSTUNREACH fe80::1ff:fe23:4567:890a', 'connect EHOSTUNREACH <ip>'],
  ['connect ETIMEDOUT localhost:5432', 'connect ETIMEDOUT localhost:<port>'],
  ['getaddrinfo ENOTFOUND redis-3.internal.example.com', 'getaddrinfo ENOTFOUND redis-<n>.internal.example.com'],
  ['Request failed with status code 503', 'Request failed with status code 503'],
  ['Request failed with status code 404', 'Request failed with status code 404'],
  ['HTTP 503 Service Unavailable from https://api.example.com/v2/items/4411?page=3&token=abc', 'HTTP 503 Service Unavailable from https://api.example.com/<path>'],
  ['HTTP/1.1 404 Not Found: GET https://user:secret@files.example.org:8443/a/b.json.', 'HTTP/1.1 404 Not Found: GET https://files.example.org:<port>/<path>.'],
  ['fetch failed: http://192.168.1.20:8080/health (statusCode=502)', 'fetch failed: http://<ip>:<port>/<path> (statusCode=502)'],
  ['redirect loop at https://example.com', 'redirect loop at https://example.com'],
  ['Job 123 timed out after 30000 ms', 'Job <n> timed out after <n> ms'],
  ['Job 98765 timed out after 5000ms', 'Job <n> timed out after <n>ms'],
  ['Job 550e8400-e29b-41d4-a716-446655440000 failed at 2024-03-01T10:15:30.123Z', 'Job <id> failed at <time>'],
  ['deadline 2025-01-31 09:00:00+01:00 passed (now 2025-01-31T09:00:05Z)', 'deadline <time> passed (now <time>)'],
  ['worker-17 crashed (pid 48213, signal SIGKILL) at 10:15:30', 'worker-<n> crashed (pid <n>, signal SIGKILL) at <time>'],
  ["Mongo E11000 duplicate key error: { _id: ObjectId('65f1c2a9e4b0a1b2c3d4e5f6') }", "Mongo E11000 duplicate key error: { _id: ObjectId('<id>') }"],
  ['commit a1b2c3d4e5f60718 failed checks', 'commit <id> failed checks'],
  ['Segfault at 0x7ffd5e8b1234, code 0x1f', 'Segfault at <id>, code <n>'],
  ['token 01HZX3K9Q8W7E6R5T4Y3U2I1O0 expired', 'token <id> expired'],
  ["Cannot read properties of undefined (reading 'length')", 'Cannot read properties of undefined (reading <str>)'],
  ['Invalid value "foo bar" for field `name`; can\'t continue', "Invalid value <str> for field <str>; can't continue"],
  ['unexpected token “}” in settings', 'unexpected token <str> in settings'],
  ['mail to bob.smith+jobs@example.co.uk bounced: 550 5.1.1 user unknown', 'mail to <email> bounced: <n> <n> user unknown'],
  ['Out of memory: used 1536.5 MB of 1024 MB limit', 'Out of memory: used <n> MB of <n> MB limit'],
  ['exit code 1: python3 script.py --n 42 --dry-run', 'exit code <n>: python3 script.py --n <n> --dry-run'],
  ['value -12.5 out of range [0, 100]', 'value -<n> out of range [<n>, <n>]'],
  ['utf8, sha256 and base64 stay; job_123 folds', 'utf8, sha256 and base64 stay; job_<n> folds'],
  ['  many\n\tlines   and\r\n  spaces  ', 'many lines and spaces'],
];

describe('normalizeErrorMessage', () => {
  it.each(CASES)('%s', (message, expected) => {
    expect(normalizeErrorMessage(message)).toBe(expected);
  });

  it('treats null and undefined as empty', () => {
    expect(normalizeErrorMessage(null)).toBe('');
    expect(normalizeErrorMessage(undefined)).toBe('');
  });

  it('caps the length and marks the cut', () => {
    const out = normalizeErrorMessage(`failure ${'word '.repeat(500)}`);
    expect(out.length).toBe(MAX_NORMALIZED_LENGTH);
    expect(out.endsWith('…')).toBe(true);
  });

  it('stays fast on a huge message (input is cut first)', () => {
    const start = performance.now();
    normalizeErrorMessage('/a'.repeat(1_000_000) + ' 1.2.3.4 '.repeat(100_000));
    expect(performance.now() - start).toBeLessThan(2000);
  });

  it('ignores private-use characters in the input (used internally to protect status codes)', () => {
    expect(normalizeErrorMessage('status \uE035\uE030\uE033 then 42')).toBe('status then <n>');
  });
});

describe('fingerprint', () => {
  it('gives the same key to occurrences that differ only in folded parts', () => {
    const a = fingerprint('transient', 'connect ECONNREFUSED 127.0.0.1:6379');
    const b = fingerprint('transient', 'connect ECONNREFUSED 10.1.2.3:6380');
    expect(a).toEqual(b);
    expect(a.key).toMatch(/^transient:[0-9a-f]{16}$/);
    expect(a.normalized).toBe('connect ECONNREFUSED <ip>:<port>');
  });

  it('separates error classes and different messages', () => {
    const base = fingerprint('timeout', 'Job 1 timed out after 100 ms');
    expect(fingerprint('timeout', 'Job 2 timed out after 999 ms').key).toBe(base.key);
    expect(fingerprint('transient', 'Job 1 timed out after 100 ms').key).not.toBe(base.key);
    expect(fingerprint('permanent', 'HTTP 404').key).not.toBe(fingerprint('permanent', 'HTTP 503').key);
  });

  it('is stable across calls (no hidden state)', () => {
    expect(fingerprint('permanent', 'x').key).toBe(fingerprint('permanent', 'x').key);
  });
});
