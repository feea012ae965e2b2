#!/usr/bin/env node
// The `jobhandle` command. In a checkout (src/ present) it runs the TypeScript sources through
// tsx, so it works right after `npm install` and never runs a stale build; in a packaged
// install (no src/) it runs the built CLI, out/main/cli.js.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'main', 'cli.ts');
const built = join(root, 'out', 'main', 'cli.js');

if (existsSync(source) && process.env.JOBHANDLE_USE_BUILD !== '1') {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  process.stderr.write('jobhandle: neither src/main/cli.ts nor out/main/cli.js exists; run `npm run build`\n');
  process.exit(3);
}
