/**
 * Where the app's files are, from the sources (src/main/api) or from the build (out/main/...):
 * the checkout or install root is the nearest folder up with JobHandle's package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The root folder of JobHandle (holding its package.json), or null when not found. */
export function findAppRoot(start = dirname(fileURLToPath(import.meta.url))): string | null {
  let dir = start;
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'jobhandle') return dir;
      } catch {
        // not ours; keep going up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** JobHandle's version from its package.json ('unknown' when not found). */
export function appVersion(root = findAppRoot()): string {
  if (!root) return 'unknown';
  try {
    return String((JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

/** The built renderer's folder: JOBHANDLE_RENDERER_DIR, else `<root>/out/renderer`. */
export function rendererDir(root = findAppRoot(), env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.JOBHANDLE_RENDERER_DIR) return env.JOBHANDLE_RENDERER_DIR;
  return root ? join(root, 'out', 'renderer') : null;
}

/** The app icon (resources/icon.png), served as the page's favicon; null when not found. */
export function appIconPath(root = findAppRoot()): string | null {
  const path = root ? join(root, 'resources', 'icon.png') : null;
  return path && existsSync(path) ? path : null;
}
