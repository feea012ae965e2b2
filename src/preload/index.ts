// Sandboxed preload: the only bridge between the renderer and the main process. Exposes
// `window.jobhandle` = { invoke, api, subscribe } (see ./bridge.ts and src/shared/desktop-bridge.ts
// for its contract-derived type) and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createBridge, readMethodNames } from './bridge';

contextBridge.exposeInMainWorld('jobhandle', createBridge(ipcRenderer, readMethodNames(process.argv)));
