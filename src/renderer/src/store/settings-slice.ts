/**
 * Settings slice: the dashboard's own preferences (theme: follow the system, light or dark; kept in
 * this browser's localStorage) and the engine settings the contract exposes.
 */
import type { SliceDeps } from './slice-types';

export type ThemeChoice = 'system' | 'light' | 'dark';
const THEME_KEY = 'jobhandle.theme';

export interface SettingsSlice {
  theme: ThemeChoice;
  setTheme(theme: ThemeChoice): void;
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
export function createSettingsSlice({ set }: SliceDeps<'settings'>): SettingsSlice {
  return {
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
