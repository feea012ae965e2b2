/**
 * A fake `electron` for unit tests of the desktop shell (the real binary cannot run on CI
 * machines). Each fake records what the code under test did with it (options, handlers, sent
 * messages) and lets the test play the other side (emit events, call handlers). Cast to the real
 * types with `asElectron` where a module's signature asks for them.
 */
import { EventEmitter } from 'node:events';

let nextId = 1;

export class FakeWebFrame {
  detached = false;
  parent: FakeWebFrame | null = null;
  constructor(public url: string) {}
}

export class FakeSession {
  permissionRequestHandler: ((wc: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void) | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  headersListener: ((details: { url: string; responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders?: Record<string, string | string[]> }) => void) => void) | null = null;
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
  webRequest = {
    onHeadersReceived: (listener: FakeSession['headersListener']) => {
      this.headersListener = listener;
    },
  };
}

export class FakeWebContents extends EventEmitter {
  readonly id = nextId++;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  destroyed = false;
  loading = false;
  url = '';
  windowOpenHandler: ((details: { url: string }) => { action: 'deny' | 'allow' }) | null = null;
  readonly mainFrame: FakeWebFrame;
  constructor(
    readonly session: FakeSession = new FakeSession(),
    frameUrl = 'file:///app/out/renderer/index.html',
  ) {
    super();
    this.mainFrame = new FakeWebFrame(frameUrl);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  isLoading(): boolean {
    return this.loading;
  }
  getURL(): string {
    return this.url;
  }
  setWindowOpenHandler(handler: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }
  destroy(): void {
    this.destroyed = true;
    this.emit('destroyed');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  bounds: { x: number; y: number; width: number; height: number };
  maximized = false;
  visible = false;
  focused = false;
  loaded: { url?: string; file?: string } = {};
  constructor(readonly options: Record<string, unknown> & { webPreferences?: Record<string, unknown> }) {
    super();
    this.bounds = {
      x: (options.x as number | undefined) ?? 100,
      y: (options.y as number | undefined) ?? 100,
      width: options.width as number,
      height: options.height as number,
    };
    FakeBrowserWindow.instances.push(this);
  }
  loadURL(url: string): Promise<void> {
    this.loaded = { url };
    return Promise.resolve();
  }
  loadFile(file: string): Promise<void> {
    this.loaded = { file };
    return Promise.resolve();
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  isMaximized(): boolean {
    return this.maximized;
  }
  maximize(): void {
    this.maximized = true;
  }
  show(): void {
    this.visible = true;
  }
  hide(): void {
    this.visible = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  isDestroyed(): boolean {
    return this.webContents.destroyed;
  }
}

/** A navigation-like event whose preventDefault is observable. */
export function fakeEvent(): { defaultPrevented: boolean; preventDefault(): void } {
  return {
    defaultPrevented: false,
    preventDefault() {
      this.defaultPrevented = true;
    },
  };
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: unknown, ...args: unknown[]) => unknown>();
  handle(channel: string, handler: (event: unknown, ...args: unknown[]) => unknown): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Play the renderer: invoke `channel` as `sender` from `frame`. */
  invoke(channel: string, sender: FakeWebContents, input: unknown, frame: FakeWebFrame | null = sender.mainFrame): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return Promise.resolve(handler({ sender, senderFrame: frame }, input));
  }
}

export class FakeIpcRenderer extends EventEmitter {
  readonly invoked: Array<{ channel: string; args: unknown[] }> = [];
  reply: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, result: null });
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return Promise.resolve(this.reply(channel, args));
  }
}

export class FakeContextBridge {
  readonly exposed = new Map<string, unknown>();
  exposeInMainWorld(key: string, api: unknown): void {
    this.exposed.set(key, api);
  }
}

export class FakeTray extends EventEmitter {
  image: unknown = null;
  tooltip = '';
  title = '';
  menu: FakeMenu | null = null;
  destroyed = false;
  constructor(image: unknown) {
    super();
    this.image = image;
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setTitle(text: string): void {
    this.title = text;
  }
  setContextMenu(menu: FakeMenu): void {
    this.menu = menu;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

export interface FakeMenuItem {
  id?: string;
  label?: string;
  type?: string;
  enabled?: boolean;
  click?: (...args: unknown[]) => void;
  submenu?: FakeMenuItem[];
}

export class FakeMenu {
  constructor(readonly items: FakeMenuItem[]) {}
  static buildFromTemplate(template: FakeMenuItem[]): FakeMenu {
    return new FakeMenu(template);
  }
  /** Find an item by id, searching submenus. */
  find(id: string, items: FakeMenuItem[] = this.items): FakeMenuItem | undefined {
    for (const item of items) {
      if (item.id === id) return item;
      const inner = item.submenu ? this.find(id, item.submenu) : undefined;
      if (inner) return inner;
    }
    return undefined;
  }
}

export class FakeNativeImage {
  constructor(readonly path: string) {}
  static createFromPath(path: string): FakeNativeImage {
    return new FakeNativeImage(path);
  }
}

export class FakeNotification extends EventEmitter {
  static shown: FakeNotification[] = [];
  static supported = true;
  static isSupported(): boolean {
    return FakeNotification.supported;
  }
  constructor(readonly options: { title?: string; body?: string; urgency?: string; icon?: string }) {
    super();
  }
  show(): void {
    FakeNotification.shown.push(this);
  }
  close(): void {
    this.emit('close');
  }
}

export class FakePowerSaveBlocker {
  private next = 1;
  readonly active = new Set<number>();
  readonly types: string[] = [];
  start(type: string): number {
    const id = this.next++;
    this.types.push(type);
    this.active.add(id);
    return id;
  }
  stop(id: number): boolean {
    return this.active.delete(id);
  }
  isStarted(id: number): boolean {
    return this.active.has(id);
  }
}

export class FakeUtilityProcess extends EventEmitter {
  readonly posted: unknown[] = [];
  killed = false;
  pid: number | undefined = 4242;
  constructor(
    readonly modulePath: string,
    readonly args: string[] | undefined,
    readonly options: { env?: Record<string, string>; serviceName?: string; stdio?: unknown } | undefined,
  ) {
    super();
  }
  postMessage(message: unknown): void {
    if (this.killed) throw new Error('process is gone');
    this.posted.push(message);
  }
  kill(): boolean {
    if (this.killed) return false;
    this.killed = true;
    this.pid = undefined;
    queueMicrotask(() => this.emit('exit', 0));
    return true;
  }
}

export class FakeUtilityProcessModule {
  readonly forked: FakeUtilityProcess[] = [];
  fork(modulePath: string, args?: string[], options?: FakeUtilityProcess['options']): FakeUtilityProcess {
    const child = new FakeUtilityProcess(modulePath, args, options);
    this.forked.push(child);
    return child;
  }
}

export class FakeApp extends EventEmitter {
  readonly calls: string[] = [];
  exitCode: number | null = null;
  quit(): void {
    this.calls.push('quit');
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.exit(0);
  }
  exit(code = 0): void {
    this.calls.push(`exit:${code}`);
    this.exitCode = code;
  }
}

/** The save dialog: answers the next `answer` (a path, or null for "cancelled") and records the options. */
export class FakeDialog {
  readonly shown: Array<{ window: unknown; options: Record<string, unknown> }> = [];
  answer: string | null = null;
  async showSaveDialog(windowOrOptions: unknown, maybeOptions?: Record<string, unknown>): Promise<{ canceled: boolean; filePath?: string }> {
    const options = (maybeOptions ?? windowOrOptions) as Record<string, unknown>;
    this.shown.push({ window: maybeOptions ? windowOrOptions : null, options });
    return this.answer === null ? { canceled: true } : { canceled: false, filePath: this.answer };
  }
}

/** View a fake as the real Electron type a module's signature asks for. */
export function asElectron<T>(fake: unknown): T {
  return fake as T;
}
