/**
 * The desktop app's composition root: single-instance lock, then on ready: desktop settings,
 * Config (dataDir = userData), JobManager opened and started with utilityProcess workers and the
 * Electron-ABI SQLite binding, then IPC transport, window, tray, notifications, sleep guard and the
 * graceful quit. Closed in reverse order. Electron is passed in (src/main/index.ts gives the real one).
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as ElectronModule from 'electron';
import { toAppError } from '../../shared/errors';
import { METHOD_NAMES } from '../../shared/contract';
import { METHODS_FLAG } from '../../shared/desktop-bridge';
import { loadConfig } from '../engine/config';
import { JobManager } from '../engine/manager';
import { createContractHandlers } from '../services/contract-handlers';
import { QuitController } from './app-lifecycle';
import { loadDesktopSettings } from './desktop-settings';
import { DesktopSettingsStore } from './desktop-settings-store';
import { saveCsvExport } from './csv-save';
import { DesktopEngine } from './engine-adapter';
import { appUrlMatcher, IpcTransport } from './ipc-transport';
import { builtAppPaths, createMainWindow } from './main-window';
import { requireElectronNativeBinding } from './native-binding';
import { JobNotifier } from './notifications';
import { PowerSaveGuard } from './power-save';
import { TrayController } from './tray';
import { UtilityProcessSpawner } from './utility-process-spawner';

/** The Electron API the app uses (the `electron` module in production). */
export type DesktopElectron = Pick<
  typeof ElectronModule,
  'app' | 'BrowserWindow' | 'Tray' | 'Menu' | 'nativeImage' | 'Notification' | 'shell' | 'screen' | 'ipcMain' | 'powerSaveBlocker' | 'utilityProcess' | 'dialog'
>;

export interface DesktopAppPaths {
  /** Folder of the built main entry (out/main): worker.js, ../preload, ../renderer. */
  mainDir: string;
  /** Folder of icons (resources/ in development, <resources>/resources when packaged). */
  resourcesDir: string;
}

/** The builder's appId: Windows groups notifications under it. */
export const APP_USER_MODEL_ID = 'dev.jobhandle.app';

/** Start the app. Returns false when another instance runs (it was asked to show itself). */
export function runDesktopApp(electron: DesktopElectron, paths: DesktopAppPaths, env: NodeJS.ProcessEnv = process.env): boolean {
  const { app } = electron;
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  if (process.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  app
    .whenReady()
    .then(() => compose(electron, paths, env))
    .catch((err: unknown) => {
      const message = toAppError(err).message;
      console.error(`JobHandle failed to start: ${message}`);
      electron.dialog.showErrorBox('JobHandle failed to start', message);
      app.exit(1);
    });
  return true;
}

async function compose(electron: DesktopElectron, paths: DesktopAppPaths, env: NodeJS.ProcessEnv): Promise<void> {
  const { app } = electron;
  const userData = app.getPath('userData');
  const desktopSettingsPath = join(userData, 'desktop-settings.json');
  const { settings, warning } = loadDesktopSettings(desktopSettingsPath);
  if (warning) console.warn(`JobHandle: ${warning}`);

  const config = loadConfig({ env: { ...env, JOBHANDLE_DATA_DIR: env['JOBHANDLE_DATA_DIR'] || userData } });
  config.sqliteNativeBinding = requireElectronNativeBinding(app.getAppPath());
  const manager = await JobManager.open({
    config,
    spawner: new UtilityProcessSpawner(electron.utilityProcess, join(paths.mainDir, 'worker.js')),
  });
  await manager.start();
  const engine = new DesktopEngine(manager);

  const { preloadPath, rendererHtmlPath } = builtAppPaths(paths.mainDir);
  const devServerUrl = app.isPackaged ? undefined : env['ELECTRON_RENDERER_URL'];
  const transport = new IpcTransport({
    ipcMain: electron.ipcMain,
    handlers: createContractHandlers({
      manager,
      version: app.getVersion(),
      desktopSettings: new DesktopSettingsStore(desktopSettingsPath, settings),
      saveExport: (name, input) =>
        saveCsvExport({ dialog: electron.dialog, manager, window: () => (window && !window.isDestroyed() ? window : null), defaultDir: app.getPath('downloads') }, name, input),
    }),
    events: engine.events,
    isAllowedUrl: appUrlMatcher({ fileUrl: pathToFileURL(rendererHtmlPath).href, devServerUrl }),
    onRefused: (method, reason) => console.warn(`JobHandle: IPC ${method} refused: ${reason}`),
  });
  transport.start();

  let window: ElectronModule.BrowserWindow | null = null;
  // Shuts down what is created below, in reverse order (the closure runs only at quit).
  const quit = new QuitController({
    app,
    shutdown: async () => {
      power.stop();
      notifier.stop();
      tray.destroy();
      transport.stop();
      engine.close();
      await manager.close();
    },
    onError: (message) => console.error(message),
  });
  const showWindow = (): ElectronModule.BrowserWindow => {
    if (!window || window.isDestroyed()) {
      const created = createMainWindow(electron, {
        preloadPath,
        rendererHtmlPath,
        devServerUrl,
        preloadArguments: [`${METHODS_FLAG}${METHOD_NAMES.join(',')}`],
        statePath: join(userData, 'window-state.json'),
        onWarning: (message) => console.warn(`JobHandle: ${message}`),
      });
      transport.attach(created.webContents);
      created.on('focus', () => tray.markSeen());
      created.on('close', (event) => {
        if (settings.closeToTray && !quit.quitting) {
          event.preventDefault();
          created.hide();
        }
      });
      created.on('closed', () => {
        if (window === created) window = null;
      });
      window = created;
      return created;
    }
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return window;
  };
  const openJob = (jobId: string) => {
    const shown = showWindow();
    const send = () => transport.sendEvent('ui:navigate', { jobId });
    if (shown.webContents.isLoading()) shown.webContents.once('did-finish-load', send);
    else send();
  };

  const tray = new TrayController(
    {
      createTray: (image) => new electron.Tray(image),
      buildMenu: (template) => electron.Menu.buildFromTemplate(template),
      createImage: (path) => electron.nativeImage.createFromPath(path),
    },
    engine,
    { openDashboard: () => void showWindow(), openJob, quit: () => quit.quit() },
    { iconDir: paths.resourcesDir, onError: (message) => console.warn(`JobHandle: ${message}`) },
  );
  const notifier = new JobNotifier({
    Notification: electron.Notification,
    events: engine.events,
    rules: settings.notifications,
    isWindowFocused: () => Boolean(window && !window.isDestroyed() && window.isVisible() && window.isFocused()),
    openJob,
    openDashboard: () => void showWindow(),
    priorityOf: (id) => engine.priorityOf(id),
    iconPath: join(paths.resourcesDir, 'icon.png'),
  });
  const power = new PowerSaveGuard(electron.powerSaveBlocker, engine.events, settings.preventSleepWhileRunning);

  quit.install();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => quit.quit());

  app.on('second-instance', () => void showWindow());
  app.on('activate', () => void showWindow());
  app.on('window-all-closed', () => {
    if (!settings.closeToTray) quit.quit();
  });

  await tray.start();
  notifier.start();
  power.start();
  showWindow();
}
