/**
 * UI slice: which screen is open, short notices (success or engine errors, in plain words), and
 * the draft a "duplicate as new job" hands to the Submit screen.
 */
import type { JobSubmission } from '../../../shared/model';
import type { SliceDeps } from './slice-types';

export type Route =
  | { name: 'overview' }
  | { name: 'jobs' }
  | { name: 'job'; id: string }
  | { name: 'submit' }
  | { name: 'schedules' }
  | { name: 'workers' }
  | { name: 'analytics' }
  | { name: 'settings' };

export interface Notice {
  id: number;
  kind: 'success' | 'error' | 'info';
  text: string;
}

export interface UiSlice {
  route: Route;
  notices: Notice[];
  /** Set by "duplicate as new job"; the Submit screen takes it once. */
  submitDraft: JobSubmission | null;
  navigate(route: Route): void;
  notify(kind: Notice['kind'], text: string): void;
  dismissNotice(id: number): void;
  setSubmitDraft(draft: JobSubmission | null): void;
}

/** Route ↔ location hash (`#/jobs/abc`), so that screens can be bookmarked and reloaded. */
export function routeToHash(route: Route): string {
  return route.name === 'job' ? `#/jobs/${encodeURIComponent(route.id)}` : `#/${route.name}`;
}

/** Parse a location hash; unknown or empty hashes open the Overview. */
export function hashToRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean);
  const [head, id] = parts;
  if (head === 'jobs' && id) return { name: 'job', id: decodeURIComponent(id) };
  const simple = ['overview', 'jobs', 'submit', 'schedules', 'workers', 'analytics', 'settings'] as const;
  const found = simple.find((name) => name === head);
  return found ? ({ name: found } as Route) : { name: 'overview' };
}

/** Create the UI slice. */
export function createUiSlice({ set, get }: SliceDeps<'ui'>): UiSlice {
  let nextId = 1;
  return {
    route: { name: 'overview' },
    notices: [],
    submitDraft: null,
    navigate: (route) => set(() => ({ route })),
    notify: (kind, text) => {
      const id = nextId++;
      set((s) => ({ notices: [...s.notices.slice(-2), { id, kind, text }] }));
      if (kind !== 'error') setTimeout(() => get().ui.dismissNotice(id), 4000);
    },
    dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
    setSubmitDraft: (submitDraft) => set(() => ({ submitDraft })),
  };
}

/** Apply an event batch to the UI slice (pure): the desktop shell can ask to show a job. */
export function reduceUiEvents(_slice: UiSlice, batch: import('../../../shared/contract').EventBatch): Partial<UiSlice> {
  let route: Route | null = null;
  for (const item of batch) if (item.event === 'ui:navigate') route = { name: 'job', id: item.payload.jobId };
  return route ? { route } : {};
}
