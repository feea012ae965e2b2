// Creates the dashboard window with Electron's hardened defaults: isolated, sandboxed preload,
// no Node in the renderer. Loads the dev server in `electron-vite dev`, the built file otherwise.
import { join } from 'node:path';
import { BrowserWindow, shell } from 'electron';

export interface MainWindowOptions {
  /** Absolute path of the built preload script (out/preload/index.cjs). */
  preloadPath: string;
  /** Absolute path of the built renderer page (out/renderer/index.html). */
  rendererHtmlPath: string;
  /** Dev-server URL given by electron-vite in development; undefined in production. */
  devServerUrl?: string | undefined;
  /** App version handed to the preload (it has no other way to read it when sandboxed). */
  appVersion: string;
}

/** Web preferences every JobHandle window uses; exported so tests can assert them. */
export function secureWebPreferences(preloadPath: string, appVersion: string): Electron.WebPreferences {
  return {
    preload: preloadPath,
    additionalArguments: [`--jobhandle-version=${appVersion}`],
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    webSecurity: true,
  };
}

/** Opens the main window. Links to other sites open in the user's browser, never in-app. */
export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'JobHandle',
    webPreferences: secureWebPreferences(options.preloadPath, options.appVersion),
  });

  window.once('ready-to-show', () => window.show());

  window.webContents.setWindowOpenHandler(({ url }) => {
    if (url.startsWith('https://') || url.startsWith('http://')) void shell.openExternal(url);
    return { action: 'deny' };
  });
  window.webContents.on('will-navigate', (event, url) => {
    if (url !== window.webContents.getURL()) event.preventDefault();
  });

  if (options.devServerUrl) {
    void window.loadURL(options.devServerUrl);
  } else {
    void window.loadFile(options.rendererHtmlPath);
  }
  return window;
}

/** Paths of the built preload and renderer, relative to the built main entry's directory. */
export function builtAppPaths(mainDir: string): Pick<MainWindowOptions, 'preloadPath' | 'rendererHtmlPath'> {
  return {
    preloadPath: join(mainDir, '../preload/index.cjs'),
    rendererHtmlPath: join(mainDir, '../renderer/index.html'),
  };
}
