/**
 * The dashboard window, hardened: isolated and sandboxed preload, no Node in the renderer, a strict
 * Content-Security-Policy (also sent as a response header for the file and the dev server),
 * navigation and new windows denied (https links open in the user's browser after a URL check),
 * every permission request denied, size and position remembered (window-state.ts).
 *
 * Electron is passed in (`deps`), so tests run this with a fake electron module.
 */
import { join } from 'node:path';
import type { BrowserWindow, Screen, Session, Shell } from 'electron';
import { fitToScreen, loadWindowState, saveWindowState } from './window-state';

export interface MainWindowDeps {
  BrowserWindow: new (options: Electron.BrowserWindowConstructorOptions) => BrowserWindow;
  shell: Pick<Shell, 'openExternal'>;
  screen: Pick<Screen, 'getDisplayMatching'>;
}

export interface MainWindowOptions {
  /** Absolute path of the built preload script (out/preload/index.cjs). */
  preloadPath: string;
  /** Absolute path of the built renderer page (out/renderer/index.html). */
  rendererHtmlPath: string;
  /** Dev-server URL given by electron-vite in development; undefined in production. */
  devServerUrl?: string | undefined;
  /** Extra arguments for the preload (the contract's method names: see METHODS_FLAG). */
  preloadArguments: string[];
  /** Where the window's size and position are kept (`<userData>/window-state.json`). */
  statePath: string;
  /** Told when saving the window state fails (never fatal). */
  onWarning?: (message: string) => void;
}

/** Web preferences every JobHandle window uses; exported so tests can assert them. */
export function secureWebPreferences(preloadPath: string, preloadArguments: string[]): Electron.WebPreferences {
  return {
    preload: preloadPath,
    additionalArguments: preloadArguments,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
  };
}

/**
 * The Content-Security-Policy of the dashboard. In development the Vite dev server needs its
 * inline React-refresh preamble and its HMR WebSocket; nothing else is ever allowed.
 */
export function contentSecurityPolicy(devServerUrl?: string): string {
  const dev = devServerUrl ? new URL(devServerUrl) : null;
  const hmr = dev ? ` ${dev.protocol === 'https:' ? 'wss' : 'ws'}://${dev.host}` : '';
  return [
    "default-src 'none'",
    `script-src 'self'${dev ? " 'unsafe-inline'" : ''}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    `connect-src 'self'${hmr}`,
    "worker-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** An external link the user may open in the browser: https only, no credentials in it. */
export function isSafeExternalUrl(raw: string): boolean {
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' && url.username === '' && url.password === '' && url.hostname !== '';
  } catch {
    return false;
  }
}

/** Deny every permission request and check, and send the CSP header on every page response. */
export function hardenSession(session: Session, csp: string): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.webRequest.onHeadersReceived((details, callback) => {
    const headers = { ...(details.responseHeaders ?? {}) };
    for (const name of Object.keys(headers)) if (name.toLowerCase() === 'content-security-policy') delete headers[name];
    headers['Content-Security-Policy'] = [csp];
    callback({ responseHeaders: headers });
  });
}

/** Opens the main window (hidden until ready), hardened as described above. */
export function createMainWindow(deps: MainWindowDeps, options: MainWindowOptions): BrowserWindow {
  const state = fitToScreen(loadWindowState(options.statePath), deps.screen);
  const window = new deps.BrowserWindow({
    width: state.width,
    height: state.height,
    ...(state.x !== undefined && state.y !== undefined ? { x: state.x, y: state.y } : {}),
    minWidth: 800,
    minHeight: 500,
    show: false,
    title: 'JobHandle',
    webPreferences: secureWebPreferences(options.preloadPath, options.preloadArguments),
  });
  if (state.maximized) window.maximize();
  window.once('ready-to-show', () => window.show());

  hardenSession(window.webContents.session, contentSecurityPolicy(options.devServerUrl));
  const openOutside = (url: string) => {
    if (isSafeExternalUrl(url)) void deps.shell.openExternal(url);
  };
  window.webContents.setWindowOpenHandler(({ url }) => {
    openOutside(url);
    return { action: 'deny' };
  });
  // In-page navigation (hash, history API) does not emit will-navigate; every real one is refused.
  window.webContents.on('will-navigate', (event, url) => {
    event.preventDefault();
    openOutside(url);
  });
  window.webContents.on('will-attach-webview', (event) => event.preventDefault());

  window.on('close', () => {
    const bounds = window.getNormalBounds();
    const error = saveWindowState(options.statePath, { ...bounds, maximized: window.isMaximized() });
    if (error) options.onWarning?.(`could not remember the window position: ${error.message}`);
  });

  if (options.devServerUrl) void window.loadURL(options.devServerUrl);
  else void window.loadFile(options.rendererHtmlPath);
  return window;
}

/** Paths of the built preload and renderer, relative to the built main entry's directory. */
export function builtAppPaths(mainDir: string): Pick<MainWindowOptions, 'preloadPath' | 'rendererHtmlPath'> {
  return {
    preloadPath: join(mainDir, '../preload/index.cjs'),
    rendererHtmlPath: join(mainDir, '../renderer/index.html'),
  };
}
