/**
 * Where a main-process entry (the worker process's `worker`, the SQLite `store-thread`) lives next
 * to the running code: the bundle's `<name>.js` when the engine runs from out/main, or the
 * TypeScript source `src/main/<name>.ts`, run through tsx, when it runs from source (tests,
 * `npm run bench`, the CLI from a checkout).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface EntryPoint {
  path: string;
  /** Node options the entry needs (tsx for a source entry). */
  execArgv: string[];
}

/** Look in the caller's folder and up to three folders above it. Errors: not found (with where it looked). */
export function resolveMainEntry(name: 'worker' | 'store-thread', fromUrl: string): EntryPoint {
  const here = dirname(fileURLToPath(fromUrl));
  const dirs = [here];
  for (let i = 0; i < 3; i++) dirs.push(resolve(dirs[dirs.length - 1]!, '..'));
  for (const dir of dirs) {
    const built = join(dir, `${name}.js`);
    if (existsSync(built)) return { path: built, execArgv: [] };
  }
  for (const dir of dirs) {
    const source = join(dir, `${name}.ts`);
    if (existsSync(source)) return { path: source, execArgv: ['--import', 'tsx'] };
  }
  throw new Error(`cannot find the ${name} entry (looked for ${name}.js and ${name}.ts in ${here} and the three folders above)`);
}
