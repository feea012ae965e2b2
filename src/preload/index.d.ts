// Renderer-side type of what src/preload/index.ts exposes on `window`.
export interface JobHandleBridge {
  /** The app version, e.g. "0.1.0" ("unknown" if the main process did not pass it). */
  readonly version: string;
}

declare global {
  interface Window {
    /** Present inside the Electron app; absent when the dashboard runs in a browser tab. */
    readonly jobhandle?: JobHandleBridge;
  }
}
