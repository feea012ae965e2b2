/**
 * Connects the store to the engine: ONE event subscription for the whole app (batches applied in
 * one set() each), plus the refreshes that have no event of their own (queue counts after job
 * changes, host CPU/memory samples, health), on timers that stop with the returned function.
 */
import type { DashboardClient } from '../api/client';
import { applyBatch, type AppStore } from './app-store';

export interface LiveOptions {
  /** How often CPU/memory samples and queue counts are refreshed (ms). Default 2000. */
  sampleMs?: number;
  /** How often health is re-checked (ms). Default 10000. */
  healthMs?: number;
  now?: () => number;
}

/**
 * Start the live feed. Input: the store and the client. Output: a function that unsubscribes and
 * stops the timers. Errors: none (failed refreshes are shown by the slices).
 */
export function startLive(store: AppStore, client: Pick<DashboardClient, 'subscribe'>, options: LiveOptions = {}): () => void {
  const now = options.now ?? Date.now;
  const unsubscribe = client.subscribe((batch) => applyBatch(store, batch, now()));
  const { system, workers } = store.getState();
  void system.loadInfo();
  void workers.refresh().then(() => store.getState().system.refreshStats());
  void system.refreshHealth();

  const sample = setInterval(() => {
    const state = store.getState();
    void state.system.refreshStats();
    void state.workers.refresh();
  }, options.sampleMs ?? 2000);
  const health = setInterval(() => void store.getState().system.refreshHealth(), options.healthMs ?? 10_000);
  return () => {
    unsubscribe();
    clearInterval(sample);
    clearInterval(health);
  };
}
