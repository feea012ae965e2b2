/**
 * Configuration: built-in defaults, then the settings file, then environment variables, then
 * explicit overrides (CLI flags), merged into one validated Config.
 *
 * The environment variables are the original module's (REDIS_URL, JOB_QUEUE_*, JOB_*), plus a few
 * JOBHANDLE_* ones for paths. A bad value stops start-up with an AppError('CONFIG') that names the
 * variable (or the settings-file field) and the expected form.
 */
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve, isAbsolute, dirname } from 'node:path';
import { z } from 'zod';
import { AppError, formatIssuePath } from '../../shared/errors';

const BACKENDS = ['auto', 'sqlite', 'redis'] as const;

const HandlerRegistrationSchema = z.strictObject({
  /** Path of a JS module (absolute, or relative to the settings file). */
  module: z.string().min(1),
  /** Named export holding the handler; default: the default export. */
  export: z.string().min(1).optional(),
});
export type HandlerRegistration = z.infer<typeof HandlerRegistrationSchema>;

const PoolNameSchema = z.string().min(1).max(64);
const LimitSchema = z.number().int().min(0).max(100_000);
const ConcurrencySettingsSchema = z.strictObject({
  global: LimitSchema.optional(),
  perQueue: z.record(z.string().min(1), LimitSchema).optional(),
  perType: z.record(z.string().min(1), LimitSchema).optional(),
});
const RatePoolSettingSchema = z.strictObject({
  perMinute: z.number().positive().max(1_000_000),
  burst: z.number().int().min(1).max(1_000_000).optional(),
});
const ResourceSettingsSchema = z.strictObject({
  /** What happens to a job over its CPU limit for the sustain period: throttle (default) or kill. */
  cpuPolicy: z.enum(['throttle', 'kill']).optional(),
  cpuSustainSeconds: z.number().min(0).max(3600).optional(),
  /** Per-job CPU/memory sampling interval while jobs run, ms. */
  sampleIntervalMs: z.number().int().min(100).max(60_000).optional(),
  /** Host CPU/memory sampling interval, ms. */
  hostIntervalMs: z.number().int().min(100).max(60_000).optional(),
  /** false: no host or per-job sampling (no backpressure, no memory/CPU enforcement). */
  monitoring: z.boolean().optional(),
  /** Auto-scaling of the worker pool between workers.min and workers.max. */
  autoScale: z.boolean().optional(),
  autoScaleIntervalMs: z.number().int().min(100).max(600_000).optional(),
});

/** The settings file: every field optional; defaults fill the rest. */
export const SettingsFileSchema = z.strictObject({
  dataDir: z.string().min(1).optional(),
  dbPath: z.string().min(1).optional(),
  backend: z.enum(BACKENDS).optional(),
  redis: z
    .strictObject({
      url: z.string().min(1).optional(),
      cluster: z.array(z.string().min(1)).optional(),
      prefix: z.string().min(1).optional(),
    })
    .optional(),
  workers: z
    .strictObject({
      min: z.number().int().min(0).max(256).optional(),
      max: z.number().int().min(1).max(256).optional(),
      concurrency: z.number().int().min(1).max(10_000).optional(),
    })
    .optional(),
  thresholds: z
    .strictObject({
      cpuPercent: z.number().min(1).max(100).optional(),
      memoryPercent: z.number().min(1).max(100).optional(),
    })
    .optional(),
  jobs: z
    .strictObject({
      defaultTimeoutSeconds: z.number().positive().optional(),
      maxRetries: z.number().int().min(0).max(100).optional(),
      retryDelaySeconds: z.number().min(0).optional(),
      maxRetryDelaySeconds: z.number().min(0).optional(),
      maxLogLines: z.number().int().min(10).max(1_000_000).optional(),
    })
    .optional(),
  limits: z
    .strictObject({
      maxCpuPercent: z.number().positive().optional(),
      maxMemoryMb: z.number().positive().optional(),
      maxApiCallsPerMinute: z.number().positive().optional(),
    })
    .optional(),
  handlers: z.record(z.string(), HandlerRegistrationSchema).optional(),
  /** Resource governance (docs/resources.md): concurrency caps, rate pools, CPU policy, monitoring. */
  concurrency: ConcurrencySettingsSchema.optional(),
  ratePools: z.record(PoolNameSchema, RatePoolSettingSchema).optional(),
  /** Job type → the rate pool each of its jobs takes a token from before it starts. */
  typePools: z.record(z.string().min(1), PoolNameSchema).optional(),
  resources: ResourceSettingsSchema.optional(),
  shutdownGraceSeconds: z.number().min(0).max(3600).optional(),
  cancelGraceSeconds: z.number().min(0).max(600).optional(),
  durability: z.enum(['normal', 'full']).optional(),
  /** A started engine's SQLite claims and outcome writes on a second connection in a worker thread (default on). */
  sqliteStoreThread: z.boolean().optional(),
  /* --- local REST/WebSocket API and browser dashboard (docs/api.md) --- */
  /** The desktop app starts the API server when enabled (off by default); `jobhandle serve` uses port and host. */
  api: z
    .strictObject({
      enabled: z.boolean().optional(),
      port: z.number().int().min(0).max(65535).optional(),
      host: z.string().min(1).max(255).optional(),
    })
    .optional(),
  /* --- analytics, health and maintenance (docs/analytics.md) --- */
  /** Days finished jobs are kept, by status; the daily maintenance deletes older ones. */
  retention: z
    .strictObject({
      completed: z.number().min(0).max(36500).optional(),
      failed: z.number().min(0).max(36500).optional(),
      cancelled: z.number().min(0).max(36500).optional(),
    })
    .optional(),
  metrics: z
    .strictObject({ enabled: z.boolean().optional(), sampleIntervalSeconds: z.number().min(1).max(3600).optional() })
    .optional(),
  health: z
    .strictObject({
      minFreeDiskMb: z.number().min(0).optional(),
      integrityCheckMinutes: z.number().min(1).max(100_000).optional(),
    })
    .optional(),
  maintenance: z
    .strictObject({
      daily: z.boolean().optional(),
      backup: z.boolean().optional(),
      keepBackups: z.number().int().min(1).max(365).optional(),
      firstCheckSeconds: z.number().min(0).max(86_400).optional(),
    })
    .optional(),
});
export type SettingsFile = z.infer<typeof SettingsFileSchema>;

export interface Config {
  dataDir: string;
  dbPath: string;
  settingsPath: string;
  backend: (typeof BACKENDS)[number];
  redis: { url: string | null; cluster: string[] | null; prefix: string };
  workers: { min: number; max: number; concurrency: number };
  thresholds: { cpuPercent: number; memoryPercent: number };
  jobs: {
    defaultTimeoutSeconds: number;
    maxRetries: number;
    retryDelaySeconds: number;
    maxRetryDelaySeconds: number;
    maxLogLines: number;
  };
  limits: { maxCpuPercent: number; maxMemoryMb: number; maxApiCallsPerMinute: number };
  /** Application job types: type → module (absolute path after loading). */
  handlers: Record<string, HandlerRegistration>;
  concurrency: { global?: number; perQueue: Record<string, number>; perType: Record<string, number> };
  ratePools: Record<string, { perMinute: number; burst?: number }>;
  typePools: Record<string, string>;
  resources: {
    cpuPolicy: 'throttle' | 'kill';
    cpuSustainSeconds: number;
    sampleIntervalMs: number;
    hostIntervalMs: number;
    monitoring: boolean;
    autoScale: boolean;
    autoScaleIntervalMs: number;
  };
  shutdownGraceSeconds: number;
  cancelGraceSeconds: number;
  /** SQLite synchronous mode: `normal` survives a crashed process, `full` also a power loss. */
  durability: 'normal' | 'full';
  /** SQLite: claims and outcome writes of a started engine in the store thread (sqlite-store-thread.ts). */
  sqliteStoreThread: boolean;
  /** Local API server (docs/api.md): off by default in the desktop app. */
  api: { enabled: boolean; port: number; host: string };
  /** better_sqlite3.node for a non-Node ABI (set by the Electron app, never by settings or env). */
  sqliteNativeBinding?: string;
  /** Days finished jobs are kept, by status (daily maintenance). */
  retention: { completed: number; failed: number; cancelled: number };
  /** Metrics history sampling. */
  metrics: { enabled: boolean; sampleIntervalSeconds: number };
  health: { minFreeDiskMb: number; integrityCheckMinutes: number };
  /** The daily maintenance job: first check `firstCheckSeconds` after start, then hourly. */
  maintenance: { daily: boolean; backup: boolean; keepBackups: number; firstCheckSeconds: number };
}

/** Where the desktop app keeps its data (the same folder as Electron's userData for JobHandle). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'JobHandle');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'JobHandle');
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'JobHandle');
}

type EnvSpec = { path: string[]; parse: (raw: string) => unknown; form: string };

function int(min: number, max: number) {
  return (raw: string) => {
    if (!/^-?\d+$/.test(raw.trim())) return undefined;
    const n = Number(raw);
    return n >= min && n <= max ? n : undefined;
  };
}
function num(min: number, max: number) {
  return (raw: string) => {
    const n = Number(raw.trim());
    return raw.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
  };
}
const text = (raw: string) => (raw.trim() ? raw.trim() : undefined);

/** The environment variables, what they set, and the form they take. */
export const ENV_VARS: Record<string, EnvSpec> = {
  JOBHANDLE_DATA_DIR: { path: ['dataDir'], parse: text, form: 'a directory path' },
  JOBHANDLE_DB: { path: ['dbPath'], parse: text, form: 'a file path' },
  JOBHANDLE_BACKEND: {
    path: ['backend'],
    parse: (r) => ((BACKENDS as readonly string[]).includes(r.trim()) ? r.trim() : undefined),
    form: `one of ${BACKENDS.join(', ')}`,
  },
  REDIS_URL: { path: ['redis', 'url'], parse: text, form: 'a redis:// or rediss:// URL' },
  JOBHANDLE_REDIS_CLUSTER: {
    path: ['redis', 'cluster'],
    parse: (r) => {
      const nodes = r.split(',').map((s) => s.trim()).filter(Boolean);
      return nodes.length && nodes.every((n) => /^[^\s:]+:\d{1,5}$/.test(n)) ? nodes : undefined;
    },
    form: 'comma-separated host:port seed nodes',
  },
  JOB_QUEUE_WORKERS_MIN: { path: ['workers', 'min'], parse: int(0, 256), form: 'a whole number from 0 to 256' },
  JOB_QUEUE_WORKERS_MAX: { path: ['workers', 'max'], parse: int(1, 256), form: 'a whole number from 1 to 256' },
  JOB_WORKER_CONCURRENCY: {
    path: ['workers', 'concurrency'],
    parse: int(1, 10_000),
    form: 'a whole number from 1 to 10000',
  },
  JOB_QUEUE_CPU_THRESHOLD: { path: ['thresholds', 'cpuPercent'], parse: num(1, 100), form: 'a percentage from 1 to 100' },
  JOB_QUEUE_MEMORY_THRESHOLD: {
    path: ['thresholds', 'memoryPercent'],
    parse: num(1, 100),
    form: 'a percentage from 1 to 100',
  },
  JOB_DEFAULT_TIMEOUT: {
    path: ['jobs', 'defaultTimeoutSeconds'],
    parse: num(0.001, 366 * 86400),
    form: 'a number of seconds greater than 0',
  },
  JOB_MAX_RETRIES: { path: ['jobs', 'maxRetries'], parse: int(0, 100), form: 'a whole number from 0 to 100' },
  JOB_RETRY_DELAY: { path: ['jobs', 'retryDelaySeconds'], parse: num(0, 86400), form: 'a number of seconds, 0 or more' },
  JOB_MAX_CPU_PERCENT: {
    path: ['limits', 'maxCpuPercent'],
    parse: num(1, 100 * 1024),
    form: 'a CPU percentage greater than 0 (100 = one core)',
  },
  JOB_MAX_MEMORY_MB: { path: ['limits', 'maxMemoryMb'], parse: num(1, 1024 * 1024), form: 'a number of megabytes > 0' },
  JOB_MAX_API_CALLS_PER_MINUTE: {
    path: ['limits', 'maxApiCallsPerMinute'],
    parse: num(1, 1_000_000),
    form: 'a number of calls per minute > 0',
  },
};

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv;
  /** Settings file to read; default: JOBHANDLE_SETTINGS, else `<dataDir>/settings.json` if it exists. */
  settingsPath?: string;
  /** Highest precedence (CLI flags). */
  overrides?: SettingsFile;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] = (node[key] as Record<string, unknown> | undefined) ?? {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function readSettingsFile(path: string): SettingsFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new AppError('CONFIG', `settings file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = SettingsFileSchema.safeParse(raw);
  if (!parsed.success) {
    const text = parsed.error.issues
      .map((i) => {
        const field = formatIssuePath(i.path) || '(root)';
        return i.code === 'unrecognized_keys' ? `${field || '(root)'}: unknown field(s) ${i.keys.join(', ')}` : `${field}: ${i.message}`;
      })
      .join('; ');
    throw new AppError('CONFIG', `settings file ${path} is invalid: ${text}`);
  }
  const settings = parsed.data;
  // Handler modules are relative to the settings file.
  if (settings.handlers) {
    for (const reg of Object.values(settings.handlers)) {
      if (!isAbsolute(reg.module)) reg.module = resolve(dirname(path), reg.module);
    }
  }
  return settings;
}

function merge<T extends Record<string, unknown>>(base: T, over: Record<string, unknown> | undefined): T {
  if (!over) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === undefined) continue;
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? merge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out as T;
}

/**
 * Build the Config. Throws AppError('CONFIG') naming the variable or field when a value is invalid.
 */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;

  const fromEnv: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(ENV_VARS)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = spec.parse(raw);
    if (value === undefined) {
      throw new AppError('CONFIG', `environment variable ${name}=${JSON.stringify(raw)} is invalid: expected ${spec.form}`);
    }
    setPath(fromEnv, spec.path, value);
  }

  const dataDir = resolve(
    (options.overrides?.dataDir as string | undefined) ?? (fromEnv.dataDir as string | undefined) ?? defaultDataDir(env),
  );
  const settingsPath = resolve(options.settingsPath ?? env.JOBHANDLE_SETTINGS ?? join(dataDir, 'settings.json'));
  const explicitSettings = Boolean(options.settingsPath ?? env.JOBHANDLE_SETTINGS);
  let fromFile: SettingsFile = {};
  if (existsSync(settingsPath)) fromFile = readSettingsFile(settingsPath);
  else if (explicitSettings) throw new AppError('CONFIG', `settings file ${settingsPath} does not exist`);

  const defaults: Omit<Config, 'dataDir' | 'dbPath' | 'settingsPath'> = {
    backend: 'auto',
    redis: { url: null, cluster: null, prefix: 'jobhandle' },
    workers: { min: 2, max: 10, concurrency: 8 },
    thresholds: { cpuPercent: 80, memoryPercent: 85 },
    jobs: {
      defaultTimeoutSeconds: 259200,
      maxRetries: 3,
      retryDelaySeconds: 60,
      maxRetryDelaySeconds: 3600,
      maxLogLines: 1000,
    },
    limits: { maxCpuPercent: 80, maxMemoryMb: 1024, maxApiCallsPerMinute: 60 },
    handlers: {},
    concurrency: { perQueue: {}, perType: {} },
    ratePools: {},
    typePools: {},
    resources: {
      cpuPolicy: 'throttle',
      cpuSustainSeconds: 30,
      sampleIntervalMs: 1000,
      hostIntervalMs: 1000,
      monitoring: true,
      autoScale: true,
      autoScaleIntervalMs: 5000,
    },
    shutdownGraceSeconds: 30,
    cancelGraceSeconds: 5,
    durability: 'normal',
    sqliteStoreThread: true,
    api: { enabled: false, port: 7878, host: '127.0.0.1' },
    retention: { completed: 90, failed: 365, cancelled: 90 },
    metrics: { enabled: true, sampleIntervalSeconds: 10 },
    health: { minFreeDiskMb: 1024, integrityCheckMinutes: 60 },
    maintenance: { daily: true, backup: true, keepBackups: 7, firstCheckSeconds: 60 },
  };

  let merged = merge(defaults as unknown as Record<string, unknown>, fromFile as Record<string, unknown>);
  merged = merge(merged, fromEnv);
  merged = merge(merged, options.overrides as Record<string, unknown> | undefined);
  const config = merged as unknown as Config;
  config.dataDir = dataDir;
  config.settingsPath = settingsPath;
  config.dbPath = resolve(dataDir, (merged.dbPath as string | undefined) ?? 'jobhandle.db');

  if (config.workers.min > config.workers.max) {
    throw new AppError(
      'CONFIG',
      `workers: minimum (${config.workers.min}, JOB_QUEUE_WORKERS_MIN) is above maximum (${config.workers.max}, JOB_QUEUE_WORKERS_MAX)`,
    );
  }
  if (config.redis.url && !/^rediss?:\/\//.test(config.redis.url)) {
    throw new AppError('CONFIG', `REDIS_URL ${JSON.stringify(config.redis.url)} is invalid: expected a redis:// or rediss:// URL`);
  }
  return config;
}
