import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentError } from '../../../src/main/engine/handlers/handler-types';
import { parseHandlerParams, toJsonResult } from '../../../src/main/engine/handlers/result-guard';

describe('toJsonResult', () => {
  it('passes JSON values through as a copy; undefined becomes null', () => {
    const value = { a: 1, b: ['x', null, true], c: { d: 'e' } };
    const out = toJsonResult(value);
    expect(out).toEqual(value);
    expect(out).not.toBe(value);
    expect(toJsonResult(undefined)).toBeNull();
    expect(toJsonResult(null)).toBeNull();
    expect(toJsonResult('text')).toBe('text');
    expect(toJsonResult(42)).toBe(42);
  });

  it('applies toJSON (a Date becomes an ISO string)', () => {
    expect(toJsonResult({ at: new Date(0) })).toEqual({ at: '1970-01-01T00:00:00.000Z' });
  });

  it.each([
    ['a function', { items: [{ fn: () => 1 }] }, /result of handler is not JSON: result\.items\[0\]\.fn is a function/],
    ['a symbol', { s: Symbol('x') }, /result\.s is a symbol/],
    ['a BigInt', { n: 10n }, /result\.n is a BigInt/],
    ['a Map', { m: new Map() }, /result\.m is a Map/],
    ['a top-level function', () => 1, /result is a function/],
  ])('rejects %s with a permanent error naming where it is', (_name, value, message) => {
    expect(() => toJsonResult(value)).toThrow(PermanentError);
    expect(() => toJsonResult(value)).toThrow(message);
  });

  it('rejects a circular structure', () => {
    const value: Record<string, unknown> = { a: 1 };
    value.self = value;
    expect(() => toJsonResult(value)).toThrow(/result of handler is not JSON: it contains a circular reference/);
  });

  it('rejects a result larger than the bound, naming the size', () => {
    expect(() => toJsonResult({ s: 'x'.repeat(2 * 1024 * 1024) })).toThrow(/result of handler is 2\.0 MiB as JSON; at most 1\.0 MiB/);
    expect(() => toJsonResult('x'.repeat(200), 100)).toThrow(/202 bytes as JSON; at most 100 bytes/);
    expect(() => toJsonResult('x'.repeat(200), 100)).toThrow(PermanentError);
  });

  it('strips __proto__, constructor and prototype keys', () => {
    const hostile = JSON.parse('{"__proto__":{"polluted":true},"a":{"constructor":{"prototype":{"x":1}},"b":2},"prototype":1}') as unknown;
    const out = toJsonResult(hostile) as Record<string, unknown>;
    expect(out).toEqual({ a: { b: 2 } });
    expect(Object.keys(out)).toEqual(['a']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
  });
});

describe('parseHandlerParams', () => {
  const schema = z.strictObject({ n: z.number(), list: z.array(z.string()).default([]) });
  it('returns the parsed value with defaults', () => {
    expect(parseHandlerParams(schema, { n: 1 })).toEqual({ n: 1, list: [] });
  });
  it('throws a permanent error naming every bad field', () => {
    expect(() => parseHandlerParams(schema, { n: 'x', list: [1], extra: true })).toThrow(
      /parameters\.n: .*; parameters\.list\[0\]: .*; parameters: unknown field "extra"|parameters: unknown field "extra"/,
    );
    try {
      parseHandlerParams(schema, { n: 'x', list: [1], extra: true });
    } catch (err) {
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).code).toBe('VALIDATION');
      expect((err as Error).message).toContain('parameters.n:');
      expect((err as Error).message).toContain('parameters.list[0]:');
      expect((err as Error).message).toContain('parameters: unknown field "extra"');
    }
  });
});
