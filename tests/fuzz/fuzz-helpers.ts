/**
 * Shared pieces of the fuzz suites: the fixed seed and run counts (FUZZ_RUNS for the larger run
 * of `npm run chaos -- --fuzz`), hostile value generators (prototype-pollution keys, unicode edge
 * cases, deep nesting, oversized payloads) and the checks every suite makes afterwards.
 */
import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { ERROR_CODES } from '../../src/shared/errors';

export const FUZZ_SEED = 424242;
/** Runs per property: FUZZ_RUNS, else `base`. */
export function fuzzRuns(base: number): number {
  const env = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(env) && env > 0 ? env : base;
}
/** fast-check parameters: fixed seed, the run count, no shrinking time wasted on a pass. */
export function fcParams(base: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(base), endOnFailure: true };
}
/** Per-test time budget scaled with FUZZ_RUNS. */
export const FUZZ_TIMEOUT = Number(process.env.FUZZ_RUNS) > 0 ? 3_600_000 : 60_000;

export const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;
export const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\uD800', '\uDFFF', 'x\uD83D', '\u202Eevil', '\u200F\u05D0\u05D1', '\uFEFF',
  '💥'.repeat(50), '../../etc/passwd', '%00', '${process.exit()}', '<script>', '=cmd|calc!A1', 'null', 'NaN', '-1e309',
  '\n\r\t', 'a'.repeat(10_000),
];

/** Nest `leaf` `depth` levels deep, alternating arrays and objects. */
export function nested(depth: number, leaf: unknown = 1): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { k: v };
  return v;
}

/** JSON text nested `depth` levels deep, built as text (no recursion). */
export function deepJsonText(depth: number): string {
  return '{"k":'.repeat(depth) + '1' + '}'.repeat(depth);
}

/** An object whose own key is `key` (via JSON.parse, as a transport would build it). */
export function withOwnKey(key: string, value: unknown): Record<string, unknown> {
  return JSON.parse(`{${JSON.stringify(key)}: ${JSON.stringify(value) ?? 'null'}}`) as Record<string, unknown>;
}

/** Hostile leaves: wrong types, unicode edges, huge and tiny numbers. */
export const hostileLeaf: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...NASTY_STRINGS),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom(null, true, false, 0, -0, -1, 1e308, -1e308, Number.MAX_SAFE_INTEGER + 2, 0.5),
  fc.integer(),
  fc.double(),
);

/** Hostile JSON-ish values: leaves, deep nesting, prototype keys, big arrays. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileLeaf,
  // Depth kept printable: deeper values are built inside properties (see deepJsonText).
  fc.integer({ min: 50, max: 800 }).map((d) => nested(d)),
  fc.tuple(fc.constantFrom(...PROTO_KEYS), hostileLeaf).map(([k, v]) => withOwnKey(k, { polluted: v })),
  fc.array(hostileLeaf, { maxLength: 20 }),
  fc.dictionary(fc.oneof(fc.constantFrom(...PROTO_KEYS), fc.string({ unit: 'binary', maxLength: 8 })), hostileLeaf, { maxKeys: 5 }),
);

/** Throw when Object.prototype (or Array/Function prototypes) gained a property. */
export function assertNoPrototypePollution(): void {
  for (const [name, proto] of [['Object', Object.prototype], ['Array', Array.prototype], ['Function', Function.prototype]] as const) {
    for (const key of ['polluted', 'isAdmin', 'k']) {
      if (Object.prototype.hasOwnProperty.call(proto, key)) throw new Error(`${name}.prototype polluted with ${key}`);
    }
  }
  if (({} as Record<string, unknown>).polluted !== undefined) throw new Error('Object.prototype polluted');
}

/** A checksum of every user table of the SQLite file (rows in primary-key order). */
export function databaseChecksum(path: string, skip: readonly string[] = ['metrics_samples', 'engines']): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    const hash = createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>;
    for (const { name } of tables) {
      if (skip.includes(name)) continue;
      const rows = (db.prepare(`SELECT * FROM "${name}"`).all() as unknown[]).map((r) => JSON.stringify(r)).sort();
      hash.update(name).update(rows.join('\n'));
    }
    return hash.digest('hex');
  } finally {
    db.close();
  }
}

/** A wire error must be an AppError envelope: known code, a short human message, no stack. */
export function isCleanWireError(error: unknown): error is { name: string; code: string; message: string } {
  if (!error || typeof error !== 'object') return false;
  const e = error as Record<string, unknown>;
  return (
    e.name === 'AppError' &&
    (ERROR_CODES as readonly string[]).includes(String(e.code)) &&
    typeof e.message === 'string' &&
    e.message.length > 0 &&
    e.message.length < 4000 &&
    !/\n\s+at /.test(e.message)
  );
}
