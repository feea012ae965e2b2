/**
 * React access to the engine API for screens that call a method directly (job logs, schedule
 * previews, submissions). Tests provide a fake ContractApi here and to the store.
 */
import { createContext, useContext, type JSX, type ReactNode } from 'react';
import type { ContractApi } from '../../../shared/contract';
import type { DashboardClient } from './client';

const ClientContext = createContext<DashboardClient | null>(null);

/** Provide the client (its API, transport and downloads) to the tree below. */
export function ClientProvider({ client, children }: { client: DashboardClient; children: ReactNode }): JSX.Element {
  return <ClientContext.Provider value={client}>{children}</ClientContext.Provider>;
}

/** The dashboard client. Throws outside a ClientProvider. */
export function useClient(): DashboardClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient: no ClientProvider above this component');
  return client;
}

/** The engine API. Throws outside a ClientProvider. */
export function useApi(): ContractApi {
  return useClient().api;
}
