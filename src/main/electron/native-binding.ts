/**
 * Where the desktop app finds better-sqlite3 built for Electron's ABI. node_modules keeps the
 * Node build (tests, CLI); `scripts/build-electron-native.mjs` (run by `npm start` and
 * `npm run dist`) builds the Electron one into build/electron-native/, which electron-builder
 * packs unpacked from the asar archive. The engine opens it through better-sqlite3's
 * `nativeBinding` option (Config.sqliteNativeBinding).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../shared/errors';

/** Relative to the app's root (the project folder in development, app.asar when packaged). */
export const ELECTRON_NATIVE_BINDING = 'build/electron-native/better_sqlite3.node';

/** Absolute path of the Electron-ABI binding for an app root; inside an asar, its unpacked twin. */
export function electronNativeBindingPath(appPath: string): string {
  return join(appPath, ELECTRON_NATIVE_BINDING).replace(/app\.asar(?=[\\/])/, 'app.asar.unpacked');
}

/**
 * The binding's path. Throws AppError('CONFIG') in one line when it has not been built, instead of
 * letting better-sqlite3 load the Node build and crash on the ABI mismatch.
 */
export function requireElectronNativeBinding(appPath: string, exists: (path: string) => boolean = existsSync): string {
  const path = electronNativeBindingPath(appPath);
  if (!exists(path)) {
    throw new AppError(
      'CONFIG',
      `the Electron build of better-sqlite3 is missing (${path}); run "npm start" or "node scripts/build-electron-native.mjs" once with network access`,
    );
  }
  return path;
}
