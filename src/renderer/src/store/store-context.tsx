/**
 * React access to the dashboard store. Components select narrowly: `useAppStore(s => s.jobs.live[id])`
 * re-renders only when that value changes.
 */
import { createContext, useContext, type JSX, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { AppStore } from './app-store';
import type { AppState } from './slice-types';

const StoreContext = createContext<AppStore | null>(null);

/** Provide the store to the tree below. */
export function StoreProvider({ store, children }: { store: AppStore; children: ReactNode }): JSX.Element {
  return <StoreContext.Provider value={store}>{children}</StoreContext.Provider>;
}

/** The store itself (for transient subscriptions such as charts). Throws outside a StoreProvider. */
export function useStoreApi(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStoreApi: no StoreProvider above this component');
  return store;
}

/** Select a value from the store; the component re-renders when the selected value changes. */
export function useAppStore<T>(selector: (state: AppState) => T): T {
  return useStore(useStoreApi(), selector);
}
