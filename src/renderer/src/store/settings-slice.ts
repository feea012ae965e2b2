/**
 * Settings slice: the dashboard's own preferences (theme: follow the system, light or dark; kept in
 * this browser's localStorage) and the engine settings the contract exposes.
 */
import type { ConnectionTestResult, MethodInput, SettingsUpdateResult, SettingsView } from '../../../shared/contract';
import { describeError } from '../api/errors';
import type { SliceDeps } from './slice-types';

export type ThemeChoice = 'system' | 'light' | 'dark';
const THEME_KEY = 'jobhandle.theme';

export interface SettingsSlice {
  theme: ThemeChoice;
  setTheme(theme: ThemeChoice): void;
  /** The engine's effective settings, its settings file, the desktop settings (settings:get). */
  view: SettingsView | null;
  error: string | null;
  /** The outcome of the last change: what applies now and what needs a restart. */
  lastUpdate: Pick<SettingsUpdateResult, 'applied' | 'restartRequired'> | null;
  load(): Promise<void>;
  /** settings:update; rejects with the engine's error (VALIDATION naming the field). */
  update(change: MethodInput<'settings:update'>): Promise<SettingsUpdateResult>;
  /** backend:testConnection; rejects only when the call itself fails. */
  testConnection(input: MethodInput<'backend:testConnection'>): Promise<ConnectionTestResult>;
}

function readTheme(): ThemeChoice {
  try {
    const stored = globalThis.localStorage?.getItem(THEME_KEY);
    return stored === 'light' || stored === 'dark' ? stored : 'system';
  } catch {
    return 'system';
  }
}

/** Create the settings slice. */
export function createSettingsSlice({ set, api }: SliceDeps<'settings'>): SettingsSlice {
  return {
    view: null,
    error: null,
    lastUpdate: null,
    load: async () => {
      try {
        const view = await api['settings:get']({});
        set(() => ({ view, error: null }));
      } catch (err) {
        set(() => ({ error: describeError(err) }));
      }
    },
    update: async (change) => {
      const result = await api['settings:update'](change);
      set(() => ({ view: result.settings, error: null, lastUpdate: { applied: result.applied, restartRequired: result.restartRequired } }));
      return result;
    },
    testConnection: (input) => api['backend:testConnection'](input),
    theme: readTheme(),
    setTheme: (theme) => {
      try {
        globalThis.localStorage?.setItem(THEME_KEY, theme);
      } catch {
        // Private mode or storage disabled: the choice lasts for this session only.
      }
      set(() => ({ theme }));
    },
  };
}
