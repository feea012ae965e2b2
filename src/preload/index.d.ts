// Renderer-side type of what src/preload/index.ts exposes on `window`: derived from the contract
// (src/shared/desktop-bridge.ts), so a contract change the renderer does not follow fails typecheck.
import type { JobHandleBridge } from '../shared/desktop-bridge';

export type { JobHandleBridge };

declare global {
  interface Window {
    /** Present inside the Electron app; absent when the dashboard runs in a browser tab. */
    readonly jobhandle?: JobHandleBridge;
  }
}
