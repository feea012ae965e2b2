// Top-level dashboard component: builds the store over the client once, starts the single
// live event subscription, and renders the shell.
import { useEffect, useState, type JSX } from 'react';
import type { DashboardClient } from './api/client';
import { ClientProvider } from './api/api-context';
import { AppShell } from './app-shell';
import { createAppStore } from './store/app-store';
import { startLive } from './store/live';
import { StoreProvider } from './store/store-context';

/** The dashboard over a client (IPC in Electron, HTTP/WebSocket in a browser). */
export function App({ client }: { client: DashboardClient }): JSX.Element {
  const [store] = useState(() => createAppStore(client.api));
  useEffect(() => startLive(store, client), [store, client]);
  return (
    <ClientProvider client={client}>
      <StoreProvider store={store}>
        <AppShell />
      </StoreProvider>
    </ClientProvider>
  );
}
