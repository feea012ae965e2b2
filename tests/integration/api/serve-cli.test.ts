/**
 * `jobhandle token` and `jobhandle serve`'s errors, through the CLI's runCli in this process.
 */
import { createServer, type Server } from 'node:net';
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/main/cli/run-cli';
import { makeTempDir } from '../../helpers/engine';

let dir: string;

beforeAll(() => {
  dir = makeTempDir('jobhandle-serve-cli-');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(args, { out: (t) => (out += `${t}\n`), err: (t) => (err += `${t}\n`), env: {} });
  return { code, out, err };
}

describe('jobhandle token', () => {
  it('creates the token on first use (mode 0600), then prints the same one; --rotate replaces it', async () => {
    const first = await cli(['token', '--data-dir', dir]);
    expect(first.code).toBe(0);
    const token = first.out.trim();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const file = join(dir, 'api-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    expect((await cli(['token', '--data-dir', dir])).out.trim()).toBe(token);
    const rotated = (await cli(['token', '--data-dir', dir, '--rotate'])).out.trim();
    expect(rotated).not.toBe(token);
    expect(readFileSync(file, 'utf8').trim()).toBe(rotated);
  });
});

describe('jobhandle serve', () => {
  let busy: Server;
  let busyPort: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', () => r()));
    busyPort = (busy.address() as { port: number }).port;
  });

  afterAll(() => {
    busy.close();
  });

  it('names the port and the flag when the port is taken (exit 2)', async () => {
    const res = await cli(['serve', '--data-dir', dir, '--port', String(busyPort), '--no-engine']);
    expect(res.code).toBe(2);
    expect(res.err).toContain(`port ${busyPort} on 127.0.0.1 is already in use`);
    expect(res.err).toContain('--port');
  });

  it('refuses a non-loopback address without --allow-remote (exit 2)', async () => {
    const res = await cli(['serve', '--data-dir', dir, '--host', '0.0.0.0', '--port', '0', '--no-engine']);
    expect(res.code).toBe(2);
    expect(res.err).toContain('--allow-remote');
  });

  it('rejects a bad --port as a usage error', async () => {
    const res = await cli(['serve', '--data-dir', dir, '--port', 'seventy']);
    expect(res.code).toBe(2);
    expect(res.err).toContain('--port');
  });
});
