// Electron entry: app lifecycle only (single instance, ready → window, quit rules).
// The engine, tray and IPC are composed here by later issues; nothing else lives in this file.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, BrowserWindow } from 'electron';
import { builtAppPaths, createMainWindow } from './electron/main-window';

const mainDir = dirname(fileURLToPath(import.meta.url));

function openWindow(): BrowserWindow {
  return createMainWindow({
    ...builtAppPaths(mainDir),
    appVersion: app.getVersion(),
    devServerUrl: app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'],
  });
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    const [existing] = BrowserWindow.getAllWindows();
    if (existing) {
      if (existing.isMinimized()) existing.restore();
      existing.focus();
    } else {
      openWindow();
    }
  });

  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openWindow();
  });

  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  app
    .whenReady()
    .then(openWindow)
    .catch((error: unknown) => {
      console.error('JobHandle failed to start:', error instanceof Error ? error.message : error);
      app.exit(1);
    });
}
