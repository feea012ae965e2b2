/**
 * Settings over the contract (`settings:get`, `settings:update`): the effective Config minus
 * secrets, and changes to the settings file — validated field by field (unknown fields refused),
 * merged, checked whole with loadConfig, then written atomically (temp file + rename) — applied
 * to the running engine where it has a hook. Desktop-only settings go to the desktop store the
 * Electron app passes in (src/main/electron/desktop-settings-store.ts).
 *
 * Live (applied at once): thresholds, concurrency, ratePools, typePools, retention, jobs defaults
 * for new submissions (defaultTimeoutSeconds, maxRetries, retryDelaySeconds), limits, workers.min/max,
 * resources.autoScale, health, shutdownGraceSeconds. Everything else (backend, dataDir, dbPath,
 * redis, handlers, workers.concurrency, durability, api, metrics, maintenance, other resources
 * fields, jobs.maxRetryDelaySeconds/maxLogLines, cancelGraceSeconds) is written and takes effect
 * at the next start.
 */
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import type { SettingsUpdateResult, SettingsView } from '../../shared/contract';
import { AppError, formatIssuePath } from '../../shared/errors';
import { loadConfig, SettingsFileSchema, type Config, type SettingsFile } from '../engine/config';
import type { JobManager } from '../engine/manager';

/** Settings-file fields (dotted; a section name covers all its fields) applied live. */
export const LIVE_SETTINGS = [
  'thresholds',
  'concurrency',
  'ratePools',
  'typePools',
  'retention',
  'jobs.defaultTimeoutSeconds',
  'jobs.maxRetries',
  'jobs.retryDelaySeconds',
  'limits',
  'workers.min',
  'workers.max',
  'resources.autoScale',
  'health',
  'shutdownGraceSeconds',
] as const;

/** The desktop app's settings store, as the settings service sees it (absent outside the app). */
export interface DesktopSettingsPort {
  readonly path: string;
  /** The current desktop settings. */
  get(): Record<string, unknown>;
  /** Validate, write atomically, apply live parts. Errors: VALIDATION naming the field. */
  update(patch: Record<string, unknown>): { applied: string[]; restartRequired: string[] };
}

type Manager = Pick<JobManager, 'config' | 'governance'>;

function maskUrl(url: string): string {
  return url.replace(/^(rediss?:\/\/)([^:@/]*):([^@/]*)@/, '$1$2:***@');
}

/** The Config with secrets masked (Redis passwords) and the native binding path left out. */
export function publicConfig(config: Config): Record<string, unknown> {
  const { sqliteNativeBinding: _binding, ...rest } = config;
  return {
    ...rest,
    redis: { ...config.redis, url: config.redis.url ? maskUrl(config.redis.url) : null, cluster: config.redis.cluster?.map(maskUrl) ?? null },
  };
}

/** The settings file as shown to clients: Redis passwords masked. */
function maskFile(file: Record<string, unknown>): Record<string, unknown> {
  const redis = file['redis'];
  if (!isObject(redis)) return file;
  return {
    ...file,
    redis: {
      ...redis,
      ...(typeof redis['url'] === 'string' ? { url: maskUrl(redis['url']) } : {}),
      ...(Array.isArray(redis['cluster']) ? { cluster: redis['cluster'].map((n) => (typeof n === 'string' ? maskUrl(n) : n)) } : {}),
    },
  };
}

function readFile(path: string): Record<string, unknown> {
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new AppError('CONFIG', `settings file ${path} is not valid JSON (${(err as Error).message}); fix or remove it first`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Deep merge; `null` in the patch removes the field (back to its default). */
function mergePatch(base: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isObject(v) && isObject(out[k]) && k !== 'ratePools' && k !== 'handlers') out[k] = mergePatch(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

/** Dotted leaf paths in a patch. */
function leafPaths(value: unknown, prefix = ''): string[] {
  if (!isObject(value) || Object.keys(value).length === 0 || ['ratePools', 'typePools', 'handlers'].includes(prefix)) return prefix ? [prefix] : [];
  return Object.entries(value).flatMap(([k, v]) => leafPaths(v, prefix ? `${prefix}.${k}` : k));
}

function isLive(path: string): boolean {
  return LIVE_SETTINGS.some((live) => path === live || path.startsWith(`${live}.`));
}

/** Write `text` to `path` atomically: a temp file in the same folder, then rename over it. */
export function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  try {
    writeFileSync(temp, text, { mode: 0o600 });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw new AppError('STORAGE_FULL' === (err as NodeJS.ErrnoException).code ? 'STORAGE_FULL' : 'CONFIG', `cannot write ${path}: ${(err as Error).message}`);
  }
}

/** What `settings:get` answers. */
export function getSettings(manager: Manager, desktop?: DesktopSettingsPort): SettingsView {
  return {
    engine: publicConfig(manager.config),
    settingsPath: manager.config.settingsPath,
    file: maskFile(readFile(manager.config.settingsPath)),
    desktop: desktop ? desktop.get() : null,
    desktopSettingsPath: desktop ? desktop.path : null,
    liveFields: [...LIVE_SETTINGS],
  };
}

function validationOf(error: z.ZodError, subject: string): AppError {
  const text = error.issues
    .map((i) => {
      const field = formatIssuePath(i.path) || '(root)';
      return i.code === 'unrecognized_keys' ? `${subject}${field === '(root)' ? '' : `.${field}`}: unknown field(s) ${i.keys.join(', ')}` : `${subject}.${field}: ${i.message}`;
    })
    .join('; ');
  return new AppError('VALIDATION', `invalid settings: ${text}`, { issues: error.issues.map((i) => ({ field: `${subject}.${formatIssuePath(i.path)}`, message: i.message })) });
}

/** Apply the live parts of `next` to the running engine (config object and governor hooks). */
function applyLive(manager: Manager, next: Config, paths: string[]): string[] {
  const cfg = manager.config;
  const gov = manager.governance;
  const applied: string[] = [];
  for (const path of paths) {
    const [section, field] = path.split('.') as [keyof Config, string | undefined];
    if (!isLive(path)) continue;
    if (field && isObject(cfg[section])) (cfg[section] as Record<string, unknown>)[field] = (next[section] as Record<string, unknown>)[field];
    else (cfg as unknown as Record<string, unknown>)[section] = next[section];
    applied.push(path);
  }
  if (gov) {
    if (paths.some((p) => p.startsWith('thresholds'))) {
      gov.governor.backpressure.setThresholds({ cpuThreshold: cfg.thresholds.cpuPercent, memoryThreshold: cfg.thresholds.memoryPercent });
    }
    if (paths.some((p) => p.startsWith('concurrency'))) {
      const limits = gov.governor.limits;
      limits.setGlobal(cfg.concurrency.global ?? null);
      for (const [q, n] of Object.entries(next.concurrency.perQueue)) limits.setQueueLimit(q, n);
      for (const [t, n] of Object.entries(next.concurrency.perType)) limits.setTypeLimit(t, n);
    }
    if (paths.some((p) => p.startsWith('ratePools'))) {
      for (const [name, p] of Object.entries(cfg.ratePools)) gov.governor.setPool(name, p.perMinute, p.burst ?? 1);
    }
    if (paths.some((p) => p === 'workers.min' || p === 'workers.max' || p === 'resources.autoScale')) {
      gov.setAutoScaling({ min: cfg.workers.min, max: cfg.workers.max, ...(paths.includes('resources.autoScale') ? { enabled: next.resources.autoScale } : {}) });
      if (paths.includes('resources.autoScale')) cfg.resources.autoScale = next.resources.autoScale;
    }
  }
  return applied;
}

/**
 * Change settings. `engine`: a partial settings file (null removes a field); validated with the
 * settings-file schema (unknown fields refused), merged with the file, checked whole with
 * loadConfig, written atomically; live fields applied. `desktop`: handed to the desktop store.
 * Output: the new view, what applies now and what needs a restart. Errors: VALIDATION naming the
 * field (nothing written), CONFIG (the merged settings are inconsistent, e.g. workers.min > max;
 * nothing written), CONFLICT (desktop settings outside the desktop app).
 */
export function updateSettings(
  manager: Manager,
  input: { engine?: Record<string, unknown> | undefined; desktop?: Record<string, unknown> | undefined },
  desktop?: DesktopSettingsPort,
): SettingsUpdateResult {
  if (input.desktop && !desktop) {
    throw new AppError('CONFLICT', 'desktop settings (tray, notifications, sleep, API server) exist only in the desktop app; this engine runs headless');
  }
  const applied: string[] = [];
  const restartRequired: string[] = [];
  if (input.engine && Object.keys(input.engine).length) {
    // The patch alone must be a valid partial settings file (nulls stand for "remove").
    const shape = JSON.parse(JSON.stringify(input.engine, (_k, v: unknown) => (v === null ? undefined : v))) as unknown;
    const own = SettingsFileSchema.safeParse(shape);
    if (!own.success) throw validationOf(own.error, 'engine');
    const path = manager.config.settingsPath;
    const merged = mergePatch(readFile(path), input.engine);
    const whole = SettingsFileSchema.safeParse(merged);
    if (!whole.success) throw validationOf(whole.error, 'engine');
    const text = `${JSON.stringify(merged, null, 2)}\n`;
    const temp = `${path}.${process.pid}.${Date.now()}.check.json`;
    let next: Config;
    try {
      writeFileSync(temp, text, { mode: 0o600 });
      next = loadConfig({ settingsPath: temp, env: { JOBHANDLE_DATA_DIR: manager.config.dataDir } });
    } catch (err) {
      if (err instanceof AppError) throw new AppError(err.code === 'CONFIG' ? 'VALIDATION' : err.code, err.message.replace(temp, path));
      throw new AppError('CONFIG', `cannot check the new settings next to ${path}: ${(err as Error).message}`);
    } finally {
      rmSync(temp, { force: true });
    }
    writeFileAtomic(path, text);
    const paths = leafPaths(input.engine as SettingsFile);
    applied.push(...applyLive(manager, next, paths));
    restartRequired.push(...paths.filter((p) => !isLive(p)));
  }
  if (input.desktop && desktop) {
    const result = desktop.update(input.desktop);
    applied.push(...result.applied.map((p) => `desktop.${p}`));
    restartRequired.push(...result.restartRequired.map((p) => `desktop.${p}`));
  }
  return { settings: getSettings(manager, desktop), applied, restartRequired };
}
