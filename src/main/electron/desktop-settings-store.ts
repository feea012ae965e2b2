/**
 * The desktop settings as a store the contract's `settings:get`/`settings:update` reach in the
 * app: a partial update is merged, validated with DesktopSettingsSchema (unknown fields refused,
 * the field named), written atomically to `<userData>/desktop-settings.json`, and applied live
 * where the app can: closeToTray and notification rules (the objects the window and notifier
 * read are updated in place). preventSleepWhileRunning and apiServer take effect at the next start.
 */
import { z } from 'zod';
import { AppError, formatIssuePath } from '../../shared/errors';
import { writeFileAtomic, type DesktopSettingsPort } from '../services/settings-service';
import { DesktopSettingsSchema, type DesktopSettings } from './desktop-settings';

const LIVE = ['closeToTray', 'notifications'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isObject(value) || Object.keys(value).length === 0) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

export class DesktopSettingsStore implements DesktopSettingsPort {
  /** `settings` is the live object the app reads (mutated in place on update). */
  constructor(
    readonly path: string,
    private readonly settings: DesktopSettings,
  ) {}

  /** The current desktop settings. */
  get(): Record<string, unknown> {
    return structuredClone(this.settings) as unknown as Record<string, unknown>;
  }

  /**
   * Merge `patch`, validate, write atomically, apply live parts. Output: applied and
   * restart-required field paths. Errors: VALIDATION naming the field (nothing written or changed).
   */
  update(patch: Record<string, unknown>): { applied: string[]; restartRequired: string[] } {
    const current = this.get();
    const merged: Record<string, unknown> = { ...current };
    for (const [k, v] of Object.entries(patch)) merged[k] = isObject(v) && isObject(current[k]) ? { ...current[k], ...v } : v;
    const parsed = DesktopSettingsSchema.safeParse(merged);
    if (!parsed.success) throw invalid(parsed.error);
    writeFileAtomic(this.path, `${JSON.stringify(parsed.data, null, 2)}\n`);
    const next = parsed.data;
    const paths = leafPaths(patch);
    this.settings.closeToTray = next.closeToTray;
    Object.assign(this.settings.notifications, next.notifications);
    // Written, applied at the next start:
    this.settings.preventSleepWhileRunning = next.preventSleepWhileRunning;
    this.settings.apiServer = next.apiServer;
    const live = (p: string) => LIVE.some((l) => p === l || p.startsWith(`${l}.`));
    return { applied: paths.filter(live), restartRequired: paths.filter((p) => !live(p)) };
  }
}

function invalid(error: z.ZodError): AppError {
  const text = error.issues
    .map((i) => {
      const field = formatIssuePath(i.path);
      return i.code === 'unrecognized_keys' ? `desktop${field ? `.${field}` : ''}: unknown field(s) ${i.keys.join(', ')}` : `desktop.${field}: ${i.message}`;
    })
    .join('; ');
  return new AppError('VALIDATION', `invalid settings: ${text}`);
}
