/**
 * The REST routes: one per contract method (its `http` route), plus the original module's
 * `/api/extraction/{job_id}` endpoints mapped onto the job methods. Routes are derived from
 * CONTRACT when the server starts, so a method added to the contract is served without changes
 * here. Matching prefers literal segments over `:params` (`/api/jobs/bulk/cancel` beats
 * `/api/jobs/:id/cancel`); a trailing slash is ignored.
 */
import { AppError } from '../../shared/errors';
import { CONTRACT, METHOD_NAMES, type HttpVerb, type MethodName } from '../../shared/contract';

export interface ApiRoute {
  method: HttpVerb;
  /** `/api/jobs/:id` */
  path: string;
  methodName: MethodName;
  summary: string;
  /** 201 for methods that create something (`*:submit*`, `*:create*`), else 200. */
  successStatus: number;
  /** The input of the method from the path parameters and the query/body object. */
  buildInput(params: Record<string, string>, data: Record<string, unknown>): Record<string, unknown>;
  /** Reshape the method's result for this route (the original endpoints add `job_id`). */
  mapResult?(result: unknown): unknown;
  /** Set on the original module's endpoints. */
  original?: true;
  readonly segments: readonly string[];
}

/** Route segments: `/api/jobs/:id/` → ['api', 'jobs', ':id']. */
export function splitPath(path: string): string[] {
  return path.split('/').filter((s, i, all) => s !== '' || (i > 0 && i < all.length - 1));
}

/** `jobs:submit` and `schedules:create` answer 201 Created. */
function successStatusOf(name: string): number {
  const verb = name.slice(name.indexOf(':') + 1);
  return /^(submit|create)/.test(verb) ? 201 : 200;
}

/** Path params win over body fields; a body field that disagrees with its path param is an error. */
function mergeParams(params: Record<string, string>, data: Record<string, unknown>): Record<string, unknown> {
  for (const [name, value] of Object.entries(params)) {
    if (Object.hasOwn(data, name) && data[name] !== value) {
      throw new AppError('VALIDATION', `invalid input: ${name}: given in the path as ${JSON.stringify(value)} and in the request as ${JSON.stringify(data[name])}`);
    }
  }
  return { ...data, ...params };
}

function makeRoute(spec: Omit<ApiRoute, 'segments'>): ApiRoute {
  return { ...spec, segments: splitPath(spec.path) };
}

/** The original `/api/extraction/{job_id}` answers: the job with the original's `job_id` key. */
function withJobId(result: unknown): unknown {
  if (result && typeof result === 'object' && 'id' in result) return { job_id: (result as { id: unknown }).id, ...result };
  return result;
}

function jobIdInput(params: Record<string, string>, data: Record<string, unknown>): Record<string, unknown> {
  const { job_id: jobId, ...rest } = params;
  return mergeParams({ ...rest, id: jobId! }, data);
}

/** Every route of the API, most specific first. */
export function buildRoutes(): ApiRoute[] {
  const routes: ApiRoute[] = METHOD_NAMES.map((name) => {
    const spec = CONTRACT[name];
    return makeRoute({
      method: spec.http.method,
      path: spec.http.path,
      methodName: name,
      summary: spec.summary,
      successStatus: successStatusOf(name),
      buildInput: mergeParams,
    });
  });
  const original = (method: HttpVerb, path: string, methodName: MethodName, summary: string) =>
    makeRoute({ method, path, methodName, summary, successStatus: 200, buildInput: jobIdInput, mapResult: withJobId, original: true });
  routes.push(
    original('GET', '/api/extraction/:job_id', 'jobs:get', 'Get an extraction job (the original GET /api/extraction/{job_id})'),
    original('DELETE', '/api/extraction/:job_id', 'jobs:cancel', 'Cancel an extraction job (the original DELETE /api/extraction/{job_id})'),
    original('POST', '/api/extraction/:job_id/restart', 'jobs:restart', 'Restart a failed extraction job (the original POST /api/extraction/{job_id}/restart)'),
  );
  const specificity = (r: ApiRoute) => r.segments.map((s) => (s.startsWith(':') ? '0' : '1')).join('');
  return routes.sort((a, b) => (specificity(a) < specificity(b) ? 1 : specificity(a) > specificity(b) ? -1 : 0));
}

export type RouteMatch =
  | { kind: 'found'; route: ApiRoute; params: Record<string, string> }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'none' };

function matchSegments(route: ApiRoute, segments: readonly string[]): Record<string, string> | null {
  if (route.segments.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const pattern = route.segments[i]!;
    const actual = segments[i]!;
    if (pattern.startsWith(':')) {
      if (actual === '') return null;
      let decoded: string;
      try {
        decoded = decodeURIComponent(actual);
      } catch {
        throw new AppError('VALIDATION', `invalid input: ${pattern.slice(1)}: malformed percent-encoding in the path`);
      }
      params[pattern.slice(1)] = decoded;
    } else if (pattern !== actual) return null;
  }
  return params;
}

/** The route for `method` and `path` (without query), or why there is none. */
export function matchRoute(routes: readonly ApiRoute[], method: string, path: string): RouteMatch {
  const segments = splitPath(path);
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchSegments(route, segments);
    if (!params) continue;
    if (route.method === method) return { kind: 'found', route, params };
    allow.add(route.method);
  }
  return allow.size ? { kind: 'wrong-method', allow: [...allow].sort() } : { kind: 'none' };
}

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * A query value as JSON would read it: numbers and booleans typed, `{…}`/`[…]` that parse as JSON
 * become that object (how the HTTP client sends nested input), the rest text.
 */
function typedValue(raw: string): unknown {
  if ((raw.startsWith('{') && raw.endsWith('}')) || (raw.startsWith('[') && raw.endsWith(']'))) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (NUMBER.test(raw)) {
    const n = Number(raw);
    if (Number.isFinite(n)) return n;
  }
  return raw;
}

/**
 * A query string as a method input: repeated keys become arrays; with `typed`, values that
 * read as JSON numbers, booleans, objects or arrays become those. Errors: VALIDATION for a reserved key.
 */
export function queryToInput(search: URLSearchParams, typed = true): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of new Set(search.keys())) {
    if (FORBIDDEN_KEYS.has(key)) throw new AppError('VALIDATION', `invalid input: query parameter "${key}" is not allowed`);
    const values = search.getAll(key).map((v) => (typed ? typedValue(v) : v));
    out[key] = values.length === 1 ? values[0] : values;
  }
  return out;
}
