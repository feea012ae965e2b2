/**
 * Entry of a worker process (child_process.fork under Node, utilityProcess under Electron).
 * Wires the runtime to whichever parent channel this process has.
 */
import { WorkerRuntime, type ParentChannel } from './engine/pool/worker-runtime';
import { BUILTIN_WORKER_HANDLERS } from './engine/handlers/worker-handlers';
import { loadHandlerModule } from './engine/handlers/module-handler';
import { toJsonResult } from './engine/handlers/result-guard';
import type { FromWorker, ToWorker } from './engine/pool/protocol';

interface ElectronParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ElectronParentPort }).parentPort;
  if (port) {
    return {
      send: (m: FromWorker) => port.postMessage(m),
      onMessage: (fn) => port.on('message', (e) => fn(e.data as ToWorker)),
      // A utility process is killed with its parent; nothing to watch.
      onDisconnect: () => undefined,
    };
  }
  if (!process.send) {
    console.error('jobhandle worker: this process has no parent channel; it is started by the engine, not by hand');
    process.exit(2);
  }
  return {
    send: (m: FromWorker) => {
      if (process.connected) process.send!(m);
    },
    onMessage: (fn) => process.on('message', (m) => fn(m as ToWorker)),
    onDisconnect: (fn) => process.on('disconnect', fn),
  };
}

new WorkerRuntime(parentChannel(), {
  builtins: BUILTIN_WORKER_HANDLERS,
  loadModule: loadHandlerModule,
  toResult: (v) => toJsonResult(v),
  exit: (code) => process.exit(code),
}).start();
