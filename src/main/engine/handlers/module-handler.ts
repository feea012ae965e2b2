/**
 * The `module` job type, and the loader the worker uses for application-registered types:
 * a user's JavaScript module whose export is a handler `(ctx) => result`, run in the worker.
 */
import { stat } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { PermanentError, type JobContext, type JobHandler } from './handler-types';
import { parseHandlerParams } from './result-guard';

export const ModuleParamsSchema = z.strictObject({
  path: z.string({ error: 'expected the path of a JavaScript module' }).min(1, { error: 'expected the path of a JavaScript module' }),
  export: z
    .string({ error: 'expected the name of an exported function' })
    .regex(/^[A-Za-z_$][\w$]*$/, { error: 'expected the name of an exported function' })
    .optional(),
  args: z.record(z.string(), z.unknown(), { error: 'expected an object (passed to the handler as ctx.params)' }).default({}),
  cwd: z.string({ error: 'expected a directory path' }).min(1).optional(),
});
export type ModuleParams = z.output<typeof ModuleParamsSchema>;

/**
 * Loaded handlers by `path|export|mtime|size`. A worker-process-wide cache: a module is
 * imported once per version of its file; an edited file is imported again under a new URL
 * (Node's own ESM cache keeps the old version, so an often-edited module costs some memory).
 */
const handlerCache = new Map<string, Promise<JobHandler>>();
const MAX_CACHED = 256;

function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

async function importHandler(path: string, exportName: string | undefined, version: string): Promise<JobHandler> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(/* @vite-ignore */ `${pathToFileURL(path).href}?v=${version}`)) as Record<string, unknown>;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new PermanentError(`cannot load handler module ${path}: ${message}`, 'MODULE_LOAD');
  }
  const cjsDefault = mod.default as Record<string, unknown> | undefined;
  const candidates: [string, unknown][] = exportName
    ? [[exportName, mod[exportName]]]
    : [
        ['default', mod.default],
        ['handler', mod.handler],
        // A CommonJS module's `module.exports.handler` arrives as `default.handler`.
        ['default.handler', cjsDefault && typeof cjsDefault === 'object' ? cjsDefault.handler : undefined],
      ];
  const found = candidates.find(([, value]) => typeof value === 'function');
  if (found) return found[1] as JobHandler;
  const [name, value] = candidates[0]!;
  const available = Object.keys(mod).filter((k) => typeof mod[k] === 'function');
  const wanted = exportName ? `export "${name}"` : 'a default export or an export named "handler"';
  throw new PermanentError(
    `handler module ${path}: expected ${wanted} to be a function, found ${describeValue(value)}` +
      (available.length ? ` (exported functions: ${available.join(', ')})` : ' (it exports no function)'),
    'MODULE_EXPORT',
  );
}

/**
 * Load a handler from a JavaScript module (ESM, or CommonJS through Node's interop).
 * Input: an absolute path (a relative one is resolved against process.cwd()), and the export
 * to use (default: the default export, else an export named `handler`).
 * Output: the handler function, cached per path, export and file version (mtime + size).
 * Errors: PermanentError when the file does not exist, cannot be imported (syntax error, a
 * missing dependency) or the export is not a function; the message names the path and export.
 */
export async function loadHandlerModule(path: string, exportName?: string): Promise<JobHandler> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => null);
  if (!info?.isFile()) throw new PermanentError(`handler module not found: ${absolute}`, 'MODULE_NOT_FOUND');
  const version = `${info.mtimeMs}-${info.size}`;
  const key = `${absolute}|${exportName ?? ''}|${version}`;
  let loading = handlerCache.get(key);
  if (!loading) {
    loading = importHandler(absolute, exportName, version);
    if (handlerCache.size >= MAX_CACHED) handlerCache.delete(handlerCache.keys().next().value!);
    handlerCache.set(key, loading);
    // A failed load is not cached: the user may fix the file without changing its mtime.
    loading.catch(() => handlerCache.delete(key));
  }
  return loading;
}

/**
 * Built-in `module` handler.
 * Input: ctx.params `{ path, export?, args?, cwd? }`; a relative path is resolved against
 * `cwd` (default process.cwd()).
 * Output: whatever the user's function returns (awaited); the worker bounds it with toJsonResult.
 * Errors: those of loadHandlerModule, PermanentError for bad parameters, and whatever the user's
 * function throws, unchanged.
 */
export const moduleHandler: JobHandler = async (ctx: JobContext): Promise<unknown> => {
  const p = parseHandlerParams(ModuleParamsSchema, ctx.params);
  const path = isAbsolute(p.path) ? p.path : resolve(p.cwd ?? process.cwd(), p.path);
  const handler = await loadHandlerModule(path, p.export);
  const inner: JobContext = {
    job: ctx.job,
    params: p.args,
    signal: ctx.signal,
    progress: (percent, message) => ctx.progress(percent, message),
    log: (line, stream) => ctx.log(line, stream),
    trackProcess: (pid) => ctx.trackProcess(pid),
    acquire: (pool, tokens) => ctx.acquire(pool, tokens),
  };
  return await handler(inner);
};
