/**
 * Connects the store to the engine: ONE event subscription for the whole app (batches applied in
 * one set() each). Nothing is polled: queue counts, CPU/memory, workers and backpressure arrive
 * as `system:sample` events (~every 2 s), health as `health:changed`, logs as `job:log`. One
 * initial fetch fills the store, and it is fetched again after the event stream reconnects
 * (events missed while disconnected are not replayed).
 */
import type { DashboardClient } from '../api/client';
import { applyBatch, type AppStore } from './app-store';

export interface LiveOptions {
  now?: () => number;
}

/** Fetch what events keep current afterwards: info, stats, workers, health, governor. */
export function fetchInitial(store: AppStore): void {
  const { system, workers } = store.getState();
  void system.loadInfo();
  void workers.refresh().then(() => store.getState().system.refreshStats());
  void system.refreshHealth();
  void workers.refreshGovernor();
}

/**
 * Start the live feed. Input: the store and the client. Output: a function that unsubscribes.
 * Errors: none (failed fetches are shown by the slices).
 */
export function startLive(store: AppStore, client: Pick<DashboardClient, 'subscribe'>, options: LiveOptions = {}): () => void {
  const now = options.now ?? Date.now;
  let opened = 0;
  const unsubscribe = client.subscribe((batch) => applyBatch(store, batch, now()), {
    onOpen: () => {
      // The first open follows the initial fetch below; later ones are reconnects.
      if (opened++ > 0) {
        fetchInitial(store);
        void store.getState().jobs.refresh();
      }
    },
  });
  fetchInitial(store);
  return unsubscribe;
}
