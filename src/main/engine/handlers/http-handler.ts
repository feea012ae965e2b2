/**
 * The `http` job type: one HTTP(S) request with the global fetch, classified the way a retry
 * policy needs it: network errors, timeouts, 408, 429 and 5xx are transient; any other
 * unexpected status is permanent.
 */
import { z } from 'zod';
import { PermanentError, TransientError, type JobContext, type JobHandler } from './handler-types';
import { parseHandlerParams } from './result-guard';

/** Most response text kept in the result; a longer body is cut and flagged `truncated`. */
export const MAX_BODY_BYTES = 64 * 1024;
/** Response headers copied into the result. */
const RESULT_HEADERS = ['content-type', 'content-length', 'etag', 'last-modified', 'location', 'retry-after', 'date'];
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

export const HttpParamsSchema = z
  .strictObject({
    method: z.preprocess(
      (v) => (typeof v === 'string' ? v.toUpperCase() : v),
      z.enum(METHODS, { error: `expected one of ${METHODS.join(', ')}` }),
    ).default('GET'),
    url: z
      .string({ error: 'expected an http:// or https:// URL' })
      .refine((v) => URL.canParse(v) && ['http:', 'https:'].includes(new URL(v).protocol), {
        error: 'expected an http:// or https:// URL',
      }),
    headers: z.record(z.string(), z.string(), { error: 'expected an object of string values' }).optional(),
    body: z.json().optional(),
    timeoutSeconds: z.number({ error: 'expected seconds' }).positive({ error: 'expected a positive number of seconds' }).max(86_400).default(30),
    expectStatus: z
      .array(z.number().int().min(100).max(599), { error: 'expected an array of HTTP status codes' })
      .min(1, { error: 'expected at least one status code' })
      .optional(),
    responseType: z.enum(['json', 'text', 'none'], { error: 'expected "json", "text" or "none"' }).optional(),
  })
  .superRefine((p, ctx) => {
    if (p.body !== undefined && (p.method === 'GET' || p.method === 'HEAD')) {
      ctx.addIssue({ code: 'custom', path: ['body'], message: `a ${p.method} request cannot have a body` });
    }
  });
export type HttpParams = z.output<typeof HttpParamsSchema>;

export interface HttpResult {
  status: number;
  statusText: string;
  /** Final URL, after redirects. */
  url: string;
  headers: Record<string, string>;
  /** Parsed JSON, text, or null (responseType none, or an empty body). */
  body: unknown;
  /** True when the body was longer than 64 KiB and was cut (it is then returned as text). */
  truncated: boolean;
  durationMs: number;
}

/** Read at most `limit` bytes of a body as text, then stop reading. */
async function readText(response: Response, limit: number): Promise<{ text: string; truncated: boolean }> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text: text + decoder.decode(), truncated: false };
      if (bytes + value.byteLength > limit) {
        text += decoder.decode(value.subarray(0, limit - bytes), { stream: true });
        return { text: text + decoder.decode(), truncated: true };
      }
      bytes += value.byteLength;
      text += decoder.decode(value, { stream: true });
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

function buildRequest(p: HttpParams): { headers: Headers; body: string | undefined } {
  const headers = new Headers(p.headers);
  if (p.body === undefined || typeof p.body === 'string') return { headers, body: p.body };
  if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  return { headers, body: JSON.stringify(p.body) };
}

/** Whether a status failure is worth retrying. */
function isTransientStatus(status: number): boolean {
  return status >= 500 || status === 429 || status === 408;
}

function describeCause(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return err instanceof Error ? err.message : String(err);
}

function abortError(reason: unknown): Error {
  const text = reason instanceof Error ? reason.message : typeof reason === 'string' ? reason : String(reason);
  const err = new Error(`http aborted: ${text}`, { cause: reason });
  err.name = 'AbortError';
  return err;
}

/**
 * Built-in `http` handler.
 * Input: ctx.params `{ method?, url, headers?, body?, timeoutSeconds?, expectStatus?, responseType? }`.
 * Output: HttpResult `{ status, statusText, url, headers, body, truncated, durationMs }`.
 * Errors: PermanentError for bad parameters, an unexpected 4xx/3xx status or a body that is not
 * the JSON asked for; TransientError for network errors, a timeout (code TIMEOUT), 408, 429 and
 * 5xx (with Retry-After in the message when the server sent one); an Error named AbortError
 * (`http aborted: <reason>`) when ctx.signal aborted.
 */
export const httpHandler: JobHandler = async (ctx: JobContext): Promise<HttpResult> => {
  const p = parseHandlerParams(HttpParamsSchema, ctx.params);
  if (ctx.signal.aborted) throw abortError(ctx.signal.reason);
  const timeout = AbortSignal.timeout(p.timeoutSeconds * 1000);
  const signal = AbortSignal.any([ctx.signal, timeout]);
  const { headers, body } = buildRequest(p);
  const target = `${p.method} ${p.url}`;
  const started = performance.now();

  const fail = (err: unknown): never => {
    if (ctx.signal.aborted) throw abortError(ctx.signal.reason);
    if (timeout.aborted) throw new TransientError(`${target} timed out after ${p.timeoutSeconds} s`, 'TIMEOUT');
    if (err instanceof PermanentError || err instanceof TransientError) throw err;
    throw new TransientError(`${target} failed: ${describeCause(err)}`, 'NETWORK');
  };

  let response: Response;
  try {
    response = await fetch(p.url, { method: p.method, headers, body, signal, redirect: 'follow' });
  } catch (err) {
    return fail(err);
  }

  try {
    const status = response.status;
    const ok = p.expectStatus ? p.expectStatus.includes(status) : status >= 200 && status <= 299;
    ctx.log(`${target} → ${status} ${response.statusText} in ${Math.round(performance.now() - started)} ms`);
    if (!ok) {
      const snippet = (await readText(response, 300)).text.replace(/\s+/g, ' ').trim().slice(0, 200);
      const retryAfter = response.headers.get('retry-after');
      const wanted = p.expectStatus ? `expected ${p.expectStatus.join(' or ')}` : 'expected 2xx';
      const message =
        `${target} answered ${status} ${response.statusText} (${wanted})` +
        (retryAfter && (status === 429 || status === 503) ? `; Retry-After: ${retryAfter}` : '') +
        (snippet ? `; body: ${snippet}` : '');
      if (isTransientStatus(status)) throw new TransientError(message, `HTTP_${status}`);
      throw new PermanentError(message, `HTTP_${status}`);
    }

    const contentType = response.headers.get('content-type') ?? '';
    const type = p.responseType ?? (p.method === 'HEAD' ? 'none' : /[/+]json\b/i.test(contentType) ? 'json' : 'text');
    let result: unknown = null;
    let truncated = false;
    if (type === 'none') {
      await response.body?.cancel().catch(() => undefined);
    } else {
      const read = await readText(response, MAX_BODY_BYTES);
      truncated = read.truncated;
      result = read.text;
      if (type === 'json' && !truncated && read.text.trim() !== '') {
        try {
          result = JSON.parse(read.text) as unknown;
        } catch {
          if (p.responseType === 'json') throw new PermanentError(`${target}: the response body is not JSON`, 'BAD_RESPONSE');
        }
      } else if (type === 'json' && read.text.trim() === '') {
        result = null;
      }
    }

    const picked: Record<string, string> = {};
    for (const name of RESULT_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) picked[name] = value;
    }
    return {
      status,
      statusText: response.statusText,
      url: response.url || p.url,
      headers: picked,
      body: result,
      truncated,
      durationMs: Math.round(performance.now() - started),
    };
  } catch (err) {
    return fail(err);
  }
};
