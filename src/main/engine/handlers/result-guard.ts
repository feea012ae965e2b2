/**
 * The two edges of a handler that take untrusted data: its parameters (validated with a zod
 * schema into a PermanentError that names the field) and its result (JSON-only and bounded).
 */
import type { z } from 'zod';
import { formatIssuePath } from '../../../shared/errors';
import { PermanentError } from './handler-types';

/** Largest accepted handler result, serialized as JSON (bytes). */
export const MAX_RESULT_BYTES = 1024 * 1024;

/** Keys dropped from every result object: they would pollute prototypes where results are merged. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * Parse a handler's parameters with a schema.
 * Output: the parsed value (defaults applied).
 * Errors: PermanentError (code VALIDATION) whose message names each bad field, e.g.
 * `parameters.argv: expected a non-empty array of strings`; a bad parameter never gets better
 * by retrying.
 */
export function parseHandlerParams<S extends z.ZodType>(schema: S, params: unknown): z.output<S> {
  const parsed = schema.safeParse(params);
  if (parsed.success) return parsed.data;
  const text = parsed.error.issues
    .map((issue) => {
      const field = formatIssuePath(['parameters', ...issue.path]);
      if (issue.code === 'unrecognized_keys') {
        const keys = issue.keys.map((k) => `"${k}"`).join(', ');
        return `${field}: unknown field${issue.keys.length > 1 ? 's' : ''} ${keys}`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
  throw new PermanentError(text, 'VALIDATION');
}

function describe(value: unknown): string {
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'symbol') return `a symbol (${value.toString()})`;
  if (typeof value === 'bigint') return `a BigInt (${value.toString()}n; convert it to a string or number)`;
  if (value instanceof Map) return 'a Map (convert it to an object or an array of entries)';
  if (value instanceof Set) return 'a Set (convert it to an array)';
  return typeof value;
}

function formatSize(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} bytes`;
}

function notJson(message: string): PermanentError {
  return new PermanentError(`result of handler is not JSON: ${message}`, 'RESULT_NOT_JSON');
}

/**
 * Make a handler's return value safe to store and send.
 * Input: any value and a size bound (default 1 MiB of JSON).
 * Output: a plain JSON value (a deep copy): `undefined` becomes `null`; `toJSON()` is applied
 * (Dates become ISO strings); keys `__proto__`, `constructor` and `prototype` are removed.
 * Errors: PermanentError `result of handler is not JSON: ...` naming the path of a function,
 * symbol, BigInt, Map, Set or circular reference; PermanentError naming the size when the JSON
 * is larger than `maxBytes`.
 */
export function toJsonResult(value: unknown, maxBytes: number = MAX_RESULT_BYTES): unknown {
  // Nothing to copy or check (the result of most jobs): skip the two JSON passes.
  if (value === undefined || value === null) return null;
  // Path of each object seen so far, so that an error can say where the bad value sits.
  const paths = new Map<object, string>();
  const replacer = function (this: unknown, key: string, val: unknown): unknown {
    // The first call's holder is JSON.stringify's wrapper `{ '': value }`, which has no path.
    const parentPath = this && typeof this === 'object' ? paths.get(this) : undefined;
    const path = parentPath === undefined ? 'result' : Array.isArray(this) ? `${parentPath}[${key}]` : `${parentPath}.${key}`;
    if (typeof val === 'function' || typeof val === 'symbol' || typeof val === 'bigint' || val instanceof Map || val instanceof Set) {
      throw notJson(`${path} is ${describe(val)}`);
    }
    if (val && typeof val === 'object' && !paths.has(val)) paths.set(val, path);
    return val;
  };
  let json: string | undefined;
  try {
    json = JSON.stringify(value, replacer);
  } catch (err) {
    if (err instanceof PermanentError) throw err;
    const message = err instanceof Error ? err.message : String(err);
    if (/circular/i.test(message)) throw notJson(`it contains a circular reference (${message.split('\n')[0]})`);
    throw notJson(message);
  }
  if (json === undefined) throw notJson(`the result is ${describe(value)}`);
  const size = Buffer.byteLength(json, 'utf8');
  if (size > maxBytes) {
    throw new PermanentError(
      `result of handler is ${formatSize(size)} as JSON; at most ${formatSize(maxBytes)} is accepted (write large output to a file and return its path)`,
      'RESULT_TOO_LARGE',
    );
  }
  try {
    return JSON.parse(json, (key, val: unknown) => (FORBIDDEN_KEYS.has(key) ? undefined : val));
  } catch (err) {
    // The reviver recurses: a value nested just shallow enough for stringify can overflow here.
    throw notJson(err instanceof Error ? err.message : String(err));
  }
}
