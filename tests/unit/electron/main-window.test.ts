import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { contentSecurityPolicy, createMainWindow, isSafeExternalUrl, type MainWindowDeps } from '../../../src/main/electron/main-window';
import { asElectron, FakeBrowserWindow, fakeEvent } from '../../helpers/fake-electron';

const workArea = { x: 0, y: 0, width: 1920, height: 1080 };

describe('main window', () => {
  let dir: string;
  let openExternal: ReturnType<typeof vi.fn>;
  let deps: MainWindowDeps;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'jh-window-'));
    FakeBrowserWindow.instances = [];
    openExternal = vi.fn(async () => undefined);
    deps = asElectron<MainWindowDeps>({
      BrowserWindow: FakeBrowserWindow,
      shell: { openExternal },
      screen: { getDisplayMatching: () => ({ workArea }) },
    });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const open = (devServerUrl?: string) => {
    createMainWindow(deps, {
      preloadPath: '/app/out/preload/index.cjs',
      rendererHtmlPath: '/app/out/renderer/index.html',
      devServerUrl,
      preloadArguments: ['--jobhandle-methods=jobs:get'],
      statePath: join(dir, 'window-state.json'),
    });
    return FakeBrowserWindow.instances.at(-1)!;
  };

  it('is isolated, sandboxed and has no Node integration', () => {
    const win = open();
    expect(win.options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      additionalArguments: ['--jobhandle-methods=jobs:get'],
    });
    expect(win.options.show).toBe(false);
    expect(win.loaded).toEqual({ file: '/app/out/renderer/index.html' });
  });

  it('sends a strict CSP header on every response, replacing any other', () => {
    const win = open();
    const listener = win.webContents.session.headersListener!;
    let headers: Record<string, string | string[]> | undefined;
    listener({ url: 'file:///app/out/renderer/index.html', responseHeaders: { 'content-security-policy': ["default-src *"], 'x-a': ['1'] } }, (r) => {
      headers = r.responseHeaders;
    });
    expect(headers!['content-security-policy']).toBeUndefined();
    expect(headers!['x-a']).toEqual(['1']);
    const csp = (headers!['Content-Security-Policy'] as string[])[0]!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).not.toContain('unsafe-eval');
    expect(csp).toContain("object-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
  });

  it('allows the dev server its HMR socket and inline preamble, and nothing more', () => {
    const csp = contentSecurityPolicy('http://localhost:5173/');
    expect(csp).toContain("connect-src 'self' ws://localhost:5173");
    expect(csp).toContain("script-src 'self' 'unsafe-inline'");
    const win = open('http://localhost:5173/');
    expect(win.loaded).toEqual({ url: 'http://localhost:5173/' });
  });

  it('denies new windows and navigation; opens only https links in the browser', () => {
    const win = open();
    expect(win.webContents.windowOpenHandler!({ url: 'https://example.com/docs' })).toEqual({ action: 'deny' });
    expect(win.webContents.windowOpenHandler!({ url: 'http://example.com/' })).toEqual({ action: 'deny' });
    expect(win.webContents.windowOpenHandler!({ url: 'file:///etc/passwd' })).toEqual({ action: 'deny' });
    expect(win.webContents.windowOpenHandler!({ url: 'https://user:pw@example.com/' })).toEqual({ action: 'deny' });
    expect(openExternal.mock.calls).toEqual([['https://example.com/docs']]);

    const nav = fakeEvent();
    win.webContents.emit('will-navigate', nav, 'https://evil.example/');
    expect(nav.defaultPrevented).toBe(true);
    const local = fakeEvent();
    win.webContents.emit('will-navigate', local, 'file:///app/out/renderer/other.html');
    expect(local.defaultPrevented).toBe(true);
    const webview = fakeEvent();
    win.webContents.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);
    expect(isSafeExternalUrl('javascript:alert(1)')).toBe(false);
  });

  it('denies every permission request and check', () => {
    const win = open();
    const session = win.webContents.session;
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      const callback = vi.fn();
      session.permissionRequestHandler!(win.webContents, permission, callback, {});
      expect(callback).toHaveBeenCalledWith(false);
      expect(session.permissionCheckHandler!(win.webContents, permission, 'file://', {})).toBe(false);
    }
  });

  it('remembers size and position, and moves an off-screen window back onto the display', () => {
    const first = open();
    first.bounds = { x: 300, y: 200, width: 1000, height: 700 };
    first.emit('close', fakeEvent());
    expect(JSON.parse(readFileSync(join(dir, 'window-state.json'), 'utf8'))).toMatchObject({ x: 300, y: 200, width: 1000, height: 700 });
    const second = open();
    expect(second.options).toMatchObject({ x: 300, y: 200, width: 1000, height: 700 });

    writeFileSync(join(dir, 'window-state.json'), JSON.stringify({ x: 5000, y: -3000, width: 3000, height: 900, maximized: true }));
    const third = open();
    expect(third.options).toMatchObject({ x: 0, y: 0, width: 1920, height: 900 });
    expect(third.maximized).toBe(true);

    writeFileSync(join(dir, 'window-state.json'), '{"width": "huge"}');
    expect(open().options).toMatchObject({ width: 1200, height: 800 });
    expect(open().options.x).toBeUndefined();
  });
});
