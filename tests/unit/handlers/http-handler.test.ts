import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpHandler, type HttpResult } from '../../../src/main/engine/handlers/http-handler';
import { PermanentError, TransientError } from '../../../src/main/engine/handlers/handler-types';
import { makeContext } from '../../helpers/job-context';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
  switch (req.url) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag: '"v1"' });
      res.end(JSON.stringify({ hello: 'world', n: 1 }));
      return;
    case '/echo':
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ method: req.method, contentType: req.headers['content-type'], body, token: req.headers['x-token'] }));
      return;
    case '/text':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('plain text');
      return;
    case '/big':
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('a'.repeat(200 * 1024));
      return;
    case '/missing':
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('no such thing');
      return;
    case '/busy':
      res.writeHead(503, { 'retry-after': '120' });
      res.end('try later');
      return;
    case '/limited':
      res.writeHead(429, { 'retry-after': '7' });
      res.end();
      return;
    case '/slow':
      setTimeout(() => {
        if (!res.destroyed) res.end('late');
      }, 5000);
      return;
    default:
      res.writeHead(500);
      res.end('unexpected');
  }
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c)).on('end', () => route(req, res, body));
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
});

describe('http handler', () => {
  it('GETs JSON and parses it by content type', async () => {
    const t = makeContext({ url: `${base}/json` });
    const result = (await httpHandler(t.ctx)) as HttpResult;
    expect(result.status).toBe(200);
    expect(result.body).toEqual({ hello: 'world', n: 1 });
    expect(result.truncated).toBe(false);
    expect(result.headers).toMatchObject({ 'content-type': 'application/json; charset=utf-8', etag: '"v1"' });
    expect(result.durationMs).toBeGreaterThanOrEqual(0);
    expect(t.lines('log')[0]).toMatch(/^GET .*\/json → 200/);
  });

  it('sends a JSON body with its content type, headers and the method', async () => {
    const t = makeContext({ method: 'post', url: `${base}/echo`, headers: { 'X-Token': 'abc' }, body: { a: [1, 2] } });
    const result = (await httpHandler(t.ctx)) as HttpResult;
    expect(result.status).toBe(201);
    expect(result.body).toEqual({ method: 'POST', contentType: 'application/json', body: '{"a":[1,2]}', token: 'abc' });
  });

  it('returns text, or nothing with responseType none, and truncates a large body', async () => {
    expect(((await httpHandler(makeContext({ url: `${base}/text` }).ctx)) as HttpResult).body).toBe('plain text');
    expect(((await httpHandler(makeContext({ url: `${base}/json`, responseType: 'none' }).ctx)) as HttpResult).body).toBeNull();
    const big = (await httpHandler(makeContext({ url: `${base}/big` }).ctx)) as HttpResult;
    expect(big.truncated).toBe(true);
    expect((big.body as string).length).toBe(64 * 1024);
  });

  it('fails permanently on a 404, unless the status is expected', async () => {
    const run = httpHandler(makeContext({ url: `${base}/missing` }).ctx);
    await expect(run).rejects.toBeInstanceOf(PermanentError);
    await expect(run).rejects.toThrow(/answered 404 Not Found.*no such thing/);
    const ok = (await httpHandler(makeContext({ url: `${base}/missing`, expectStatus: [404] }).ctx)) as HttpResult;
    expect(ok.status).toBe(404);
  });

  it('fails transiently on 503 and 429, with Retry-After in the message', async () => {
    const busy = httpHandler(makeContext({ url: `${base}/busy` }).ctx);
    await expect(busy).rejects.toBeInstanceOf(TransientError);
    await expect(busy).rejects.toThrow(/503 Service Unavailable.*Retry-After: 120/);
    const limited = httpHandler(makeContext({ url: `${base}/limited` }).ctx);
    await expect(limited).rejects.toBeInstanceOf(TransientError);
    await expect(limited).rejects.toThrow(/429 Too Many Requests.*Retry-After: 7/);
    await expect(httpHandler(makeContext({ url: `${base}/other` }).ctx)).rejects.toBeInstanceOf(TransientError);
  });

  it('fails transiently when the connection is refused', async () => {
    const closed = createServer();
    await new Promise<void>((done) => closed.listen(0, '127.0.0.1', done));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((done) => closed.close(done));
    const run = httpHandler(makeContext({ url: `http://127.0.0.1:${port}/` }).ctx);
    await expect(run).rejects.toBeInstanceOf(TransientError);
    await expect(run).rejects.toThrow(/ECONNREFUSED/);
  });

  it('times out transiently', async () => {
    const started = Date.now();
    const run = httpHandler(makeContext({ url: `${base}/slow`, timeoutSeconds: 0.3 }).ctx);
    await expect(run).rejects.toBeInstanceOf(TransientError);
    await expect(run).rejects.toThrow(/timed out after 0.3 s/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('aborts with the reason of the job signal', async () => {
    const t = makeContext({ url: `${base}/slow` });
    const run = httpHandler(t.ctx);
    setTimeout(() => t.abort('cancelled'), 100);
    await expect(run).rejects.toMatchObject({ name: 'AbortError', message: 'http aborted: cancelled' });
  });

  it('rejects bad parameters naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{}, /parameters\.url: expected an http:\/\/ or https:\/\/ URL/],
      [{ url: 'file:///etc/passwd' }, /parameters\.url: expected an http/],
      [{ url: `${base}/json`, method: 'FETCH' }, /parameters\.method: expected one of GET/],
      [{ url: `${base}/json`, body: 'x' }, /parameters\.body: a GET request cannot have a body/],
      [{ url: `${base}/json`, timeoutSeconds: -1 }, /parameters\.timeoutSeconds/],
      [{ url: `${base}/json`, headers: { a: 1 } }, /parameters\.headers\.a/],
    ];
    for (const [params, message] of cases) {
      const run = httpHandler(makeContext(params).ctx);
      await expect(run).rejects.toBeInstanceOf(PermanentError);
      await expect(run).rejects.toThrow(message);
    }
  });
});
