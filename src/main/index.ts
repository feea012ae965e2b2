// Electron entry: hands the real electron module to the desktop composition root
// (src/main/electron/desktop-app.ts); nothing else lives in this file.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as electron from 'electron';
import { runDesktopApp } from './electron/desktop-app';

const mainDir = dirname(fileURLToPath(import.meta.url));

runDesktopApp(electron, {
  mainDir,
  // Packaged: electron-builder's extraResources put the icons in <resources>/resources.
  resourcesDir: electron.app.isPackaged ? join(process.resourcesPath, 'resources') : join(mainDir, '../../resources'),
});
