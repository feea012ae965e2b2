/**
 * The listeners of a DependencyStore (DependencyStore.onEffects): what a committed write released,
 * cancelled or reopened, told once per write that did something. Shared by every store.
 */
import type { DependencyEffects } from './dependency-types';

/** True when the effects hold anything. */
export function hasEffects(e: DependencyEffects): boolean {
  return e.released.length + e.cancelled.length + e.reopened.length > 0;
}

/** Effects with nothing in them. */
export function noEffects(): DependencyEffects {
  return { released: [], cancelled: [], reopened: [] };
}

/** Add `b` into `a`. */
export function mergeEffects(a: DependencyEffects, b: DependencyEffects): DependencyEffects {
  a.released.push(...b.released);
  a.cancelled.push(...b.cancelled);
  a.reopened.push(...b.reopened);
  return a;
}

export class EffectsListeners {
  private readonly listeners = new Set<(effects: DependencyEffects) => void>();

  /** Tell listeners what a committed write did (nothing when it did nothing). A failing listener does not stop the others. */
  announce(effects: DependencyEffects | null): void {
    if (!effects || !hasEffects(effects)) return;
    for (const l of this.listeners) {
      try {
        l(effects);
      } catch {
        /* a listener's failure is its own */
      }
    }
  }

  /** Subscribe; returns the unsubscribe function. */
  add(listener: (effects: DependencyEffects) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
