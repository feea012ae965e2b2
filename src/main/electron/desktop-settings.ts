/**
 * Settings of the desktop shell only (tray, notifications, sleep, local API server), kept in their
 * own file `<userData>/desktop-settings.json` rather than in the engine's settings.json: the engine
 * and the CLI never read them, and a typo here cannot stop the engine from starting. Validated
 * with zod; an invalid file is reported in one line and the defaults are used.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { formatIssuePath } from '../../shared/errors';
import { JOB_PRIORITIES } from '../../shared/model';

export const NotificationRulesSchema = z.strictObject({
  /** Master switch. */
  enabled: z.boolean().default(true),
  /** Notify when a job completes (false = failures only). */
  onCompleted: z.boolean().default(true),
  /** Notify when a job fails for good (not when it will be retried). */
  onFailed: z.boolean().default(true),
  /** Only jobs of these types (default: all). */
  types: z.array(z.string().min(1).max(64)).max(200).nullable().default(null),
  /** Only jobs of at least this priority. */
  minPriority: z.enum(JOB_PRIORITIES).default('LOW'),
  /** No notification while the dashboard window has the focus (the user is looking already). */
  quietWhenFocused: z.boolean().default(true),
  /** More than this many notifications within `digestWindowMs` become one summary. */
  digestThreshold: z.number().int().min(1).max(1000).default(3),
  digestWindowMs: z.number().int().min(100).max(60_000).default(2000),
});
export type NotificationRules = z.output<typeof NotificationRulesSchema>;

export const DesktopSettingsSchema = z.strictObject({
  /** Closing the window keeps the engine running in the tray. */
  closeToTray: z.boolean().default(true),
  /** Keep the machine awake while jobs run (powerSaveBlocker 'prevent-app-suspension'). */
  preventSleepWhileRunning: z.boolean().default(true),
  notifications: NotificationRulesSchema.default(NotificationRulesSchema.parse({})),
  /** The local REST/WebSocket server (the HTTP transport) inside the desktop app. */
  apiServer: z
    .strictObject({
      enabled: z.boolean().default(false),
      port: z.number().int().min(1024).max(65_535).default(7878),
    })
    .default({ enabled: false, port: 7878 }),
});
export type DesktopSettings = z.output<typeof DesktopSettingsSchema>;

/** The defaults, as an unwritten file would give. */
export function defaultDesktopSettings(): DesktopSettings {
  return DesktopSettingsSchema.parse({});
}

/**
 * Read the desktop settings. Missing file → defaults. Unreadable or invalid file → defaults and a
 * one-line `warning` naming the file and the field.
 */
export function loadDesktopSettings(path: string): { settings: DesktopSettings; warning: string | null } {
  if (!existsSync(path)) return { settings: defaultDesktopSettings(), warning: null };
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    return { settings: defaultDesktopSettings(), warning: `${path} is not valid JSON (${(err as Error).message}); using defaults` };
  }
  const parsed = DesktopSettingsSchema.safeParse(raw);
  if (parsed.success) return { settings: parsed.data, warning: null };
  const text = parsed.error.issues.map((i) => `${formatIssuePath(i.path) || '(root)'}: ${i.message}`).join('; ');
  return { settings: defaultDesktopSettings(), warning: `${path} is invalid (${text}); using defaults` };
}
