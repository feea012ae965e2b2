/**
 * Argument helpers for the `jobhandle` CLI: global options, `--param k=v` parsing, and the
 * UsageError that maps to exit status 2.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { AppError } from '../../shared/errors';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Options every command takes. */
export const GLOBAL_OPTIONS = {
  db: { type: 'string' },
  'data-dir': { type: 'string' },
  config: { type: 'string' },
  redis: { type: 'string' },
  cluster: { type: 'string' },
  backend: { type: 'string' },
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

export type GlobalValues = {
  db?: string;
  'data-dir'?: string;
  config?: string;
  redis?: string;
  cluster?: string;
  backend?: string;
  json: boolean;
  help: boolean;
};

/** parseArgs with the global options added; unknown options and missing values become UsageErrors. */
export function parseCommand<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, maxPositionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { ...GLOBAL_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message.replace(/^TypeError \[ERR_PARSE_ARGS_[A-Z_]+\]: /, ''));
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed as unknown as { values: GlobalValues & Record<string, unknown>; positionals: string[] };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** A `--param` value: JSON when it parses (numbers, booleans, arrays, objects), else the text. */
function paramValue(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

/** `["a=1", "b.c=x"]` → `{ a: 1, b: { c: "x" } }`. Throws UsageError naming the bad `--param`. */
export function parseParams(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param ${JSON.stringify(pair)}: expected KEY=VALUE`);
    const path = pair.slice(0, eq).split('.');
    if (path.some((k) => !k || FORBIDDEN_KEYS.has(k))) {
      throw new UsageError(`--param ${JSON.stringify(pair)}: "${pair.slice(0, eq)}" is not an allowed key`);
    }
    let node = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (next === undefined) node[key] = {};
      else if (typeof next !== 'object' || next === null || Array.isArray(next)) {
        throw new UsageError(`--param ${JSON.stringify(pair)}: "${key}" is already a value, not an object`);
      }
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]!] = paramValue(pair.slice(eq + 1));
  }
  return out;
}

/**
 * The job parameters of `submit` / `schedule add`: `--params-json` as the base, `--param k=v`
 * merged over it. Throws UsageError naming the flag.
 */
export function paramsFromFlags(v: Record<string, unknown>): Record<string, unknown> {
  let parameters: Record<string, unknown> = {};
  if (v['params-json'] !== undefined) {
    try {
      parameters = JSON.parse(String(v['params-json'])) as Record<string, unknown>;
    } catch (err) {
      throw new UsageError(`--params-json: not valid JSON (${(err as Error).message})`);
    }
  }
  const pairs = (v.param as string[] | undefined) ?? [];
  if (!pairs.length) return parameters;
  return { ...(parameters && typeof parameters === 'object' && !Array.isArray(parameters) ? parameters : {}), ...parseParams(pairs) };
}

/** An ISO-8601 date-time option, normalized to UTC, or a UsageError naming it. */
export function isoOption(name: string, raw: unknown): string | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`--${name} ${JSON.stringify(text)}: expected an ISO-8601 date-time`);
  return new Date(text).toISOString();
}

/** A whole number option, or a UsageError naming it. */
export function intOption(name: string, raw: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (raw === undefined) return undefined;
  const text = String(raw);
  const n = Number(text);
  if (!/^-?\d+$/.test(text) || n < min || n > max) {
    throw new UsageError(`--${name} ${JSON.stringify(text)}: expected a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`);
  }
  return n;
}

/** A number option (seconds and the like), or a UsageError naming it. */
export function numberOption(name: string, raw: unknown, min: number): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (String(raw).trim() === '' || !Number.isFinite(n) || n < min) {
    throw new UsageError(`--${name} ${JSON.stringify(String(raw))}: expected a number ≥ ${min}`);
  }
  return n;
}

/** Exit status for an error: 2 for what the user can fix in the command, 3 for the rest. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return 2;
  if (err instanceof AppError) {
    return ['VALIDATION', 'UNKNOWN_JOB_TYPE', 'CONFIG', 'NOT_FOUND', 'CONFLICT', 'PAYLOAD_TOO_LARGE'].includes(err.code) ? 2 : 3;
  }
  return 3;
}
