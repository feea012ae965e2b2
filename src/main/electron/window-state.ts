/**
 * Remembers the dashboard window's size and position in `<userData>/window-state.json`
 * (validated with zod; a missing or broken file means defaults). A saved position that is no
 * longer on any screen (a monitor was unplugged) is moved onto the display it best matches.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Rectangle, Screen } from 'electron';
import { z } from 'zod';

const size = z.number().int().min(200).max(20_000);
const coordinate = z.number().int().min(-100_000).max(100_000);

export const WindowStateSchema = z.object({
  width: size,
  height: size,
  x: coordinate.optional(),
  y: coordinate.optional(),
  maximized: z.boolean().default(false),
});
export type WindowState = z.output<typeof WindowStateSchema>;

export const DEFAULT_WINDOW_STATE: WindowState = { width: 1200, height: 800, maximized: false };

/** The saved state, or the defaults when the file is missing, unreadable or invalid. */
export function loadWindowState(path: string): WindowState {
  try {
    const parsed = WindowStateSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : { ...DEFAULT_WINDOW_STATE };
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Write the state atomically (temp file + rename). Errors are returned, not thrown. */
export function saveWindowState(path: string, state: WindowState): Error | null {
  try {
    const valid = WindowStateSchema.parse(state);
    mkdirSync(dirname(path), { recursive: true });
    const temp = `${path}.tmp`;
    writeFileSync(temp, JSON.stringify(valid));
    renameSync(temp, path);
    return null;
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err));
  }
}

/**
 * Fit the state onto a screen: without a position it is left to the OS (centred); with one, the
 * window is moved and, if needed, shrunk into the work area of the display it best matches.
 */
export function fitToScreen(state: WindowState, screen: Pick<Screen, 'getDisplayMatching'>): WindowState {
  if (state.x === undefined || state.y === undefined) return { ...state, x: undefined, y: undefined };
  const rect: Rectangle = { x: state.x, y: state.y, width: state.width, height: state.height };
  const area = screen.getDisplayMatching(rect).workArea;
  const width = Math.min(state.width, area.width);
  const height = Math.min(state.height, area.height);
  const x = Math.min(Math.max(state.x, area.x), area.x + area.width - width);
  const y = Math.min(Math.max(state.y, area.y), area.y + area.height - height);
  return { ...state, width, height, x, y };
}
