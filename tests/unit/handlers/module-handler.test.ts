import { mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PermanentError } from '../../../src/main/engine/handlers/handler-types';
import { loadHandlerModule, moduleHandler } from '../../../src/main/engine/handlers/module-handler';
import { makeContext } from '../../helpers/job-context';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'jh-mod-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const echoModule = `export default async function (ctx) {
  ctx.progress(50, 'half');
  ctx.log('hello from ' + ctx.job.type);
  return { params: ctx.params, aborted: ctx.signal.aborted };
}
export function other(ctx) { return 'other:' + ctx.params.x; }
export const notAFunction = 42;
`;

describe('module handler', () => {
  it('loads a module and calls its default export with args as params', async () => {
    await writeFile(join(dir, 'echo.mjs'), echoModule);
    const t = makeContext({ path: join(dir, 'echo.mjs'), args: { x: 1, list: ['a'] } }, { type: 'module' });
    expect(await moduleHandler(t.ctx)).toEqual({ params: { x: 1, list: ['a'] }, aborted: false });
    expect(t.progress).toEqual([{ percent: 50, message: 'half' }]);
    expect(t.lines('log')).toEqual(['hello from module']);
  });

  it('uses a named export and resolves a relative path against cwd', async () => {
    await writeFile(join(dir, 'echo.mjs'), echoModule);
    const t = makeContext({ path: 'echo.mjs', cwd: dir, export: 'other', args: { x: 'y' } });
    expect(await moduleHandler(t.ctx)).toBe('other:y');
  });

  it('falls back to an export named handler, and accepts CommonJS', async () => {
    await writeFile(join(dir, 'named.mjs'), 'export async function handler(ctx) { return ctx.params.v * 2; }');
    expect(await moduleHandler(makeContext({ path: join(dir, 'named.mjs'), args: { v: 21 } }).ctx)).toBe(42);
    await writeFile(join(dir, 'common.cjs'), 'module.exports = async (ctx) => "cjs " + ctx.params.v;');
    expect(await moduleHandler(makeContext({ path: join(dir, 'common.cjs'), args: { v: 1 } }).ctx)).toBe('cjs 1');
  });

  it('fails permanently when the export is missing or not a function, naming path and export', async () => {
    const path = join(dir, 'echo.mjs');
    await writeFile(path, echoModule);
    const missing = moduleHandler(makeContext({ path, export: 'nope' }).ctx);
    await expect(missing).rejects.toBeInstanceOf(PermanentError);
    await expect(missing).rejects.toThrow(`handler module ${path}: expected export "nope" to be a function, found nothing (exported functions: default, other)`);
    await expect(loadHandlerModule(path, 'notAFunction')).rejects.toThrow(/export "notAFunction" to be a function, found a number/);
    await writeFile(join(dir, 'none.mjs'), 'export const x = 1;');
    await expect(loadHandlerModule(join(dir, 'none.mjs'))).rejects.toThrow(/a default export or an export named "handler"/);
  });

  it('fails permanently for a missing file or a module that does not load', async () => {
    await expect(loadHandlerModule(join(dir, 'absent.mjs'))).rejects.toThrow(/handler module not found: .*absent\.mjs/);
    await writeFile(join(dir, 'broken.mjs'), 'export default function (ctx { ');
    const broken = loadHandlerModule(join(dir, 'broken.mjs'));
    await expect(broken).rejects.toBeInstanceOf(PermanentError);
    await expect(broken).rejects.toThrow(/cannot load handler module .*broken\.mjs/);
  });

  it('rejects bad parameters naming the field', async () => {
    await expect(moduleHandler(makeContext({ path: '' }).ctx)).rejects.toThrow(/parameters\.path: expected the path/);
    await expect(moduleHandler(makeContext({ path: 'x.mjs', args: [1] }).ctx)).rejects.toThrow(/parameters\.args: expected an object/);
  });

  it('caches a module per version and reloads it when the file changes', async () => {
    const path = join(dir, 'versioned.mjs');
    await writeFile(path, 'export default () => 1;');
    const first = await loadHandlerModule(path);
    expect(await loadHandlerModule(path)).toBe(first);
    await writeFile(path, 'export default () => 2;');
    await utimes(path, new Date(), new Date(Date.now() + 5000));
    const second = await loadHandlerModule(path);
    expect(second).not.toBe(first);
    expect(await second(makeContext({}).ctx)).toBe(2);
  });

  it('lets the user function see the abort signal', async () => {
    const path = join(dir, 'wait.mjs');
    // Aborted already when the module loads late (a loaded machine takes more than the 20 ms below), or later.
    await writeFile(
      path,
      `export default (ctx) => new Promise((_, reject) => { const stop = () => reject(new Error('stopped: ' + ctx.signal.reason)); if (ctx.signal.aborted) stop(); else ctx.signal.addEventListener('abort', stop); });`,
    );
    const t = makeContext({ path });
    const run = moduleHandler(t.ctx);
    setTimeout(() => t.abort('cancelled'), 20);
    await expect(run).rejects.toThrow('stopped: cancelled');
  });
});
