// Sandboxed preload: the only bridge between the renderer and the main process.
// For now it exposes the app version; the contract-derived API comes with the IPC transport.
// Its shape is declared for the renderer in ./index.d.ts (keep the two in step).
import { contextBridge } from 'electron';

const VERSION_FLAG = '--jobhandle-version=';

/** The main window passes the app version as an additional argument (see main-window.ts). */
function readVersion(): string {
  const flag = process.argv.find((arg) => arg.startsWith(VERSION_FLAG));
  return flag ? flag.slice(VERSION_FLAG.length) : 'unknown';
}

contextBridge.exposeInMainWorld('jobhandle', Object.freeze({ version: readVersion() }));
