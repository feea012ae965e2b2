/**
 * Events over HTTP on a real server: a running job's progress and completion over WebSocket (the
 * HTTP client's subscribe, first-message auth; and the Authorization header) and over SSE; wrong
 * tokens refused; dead clients found by ping.
 */
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBatch } from '../../../src/shared/contract';
import { waitUntil } from '../../helpers/engine';
import { startApiHarness, type ApiHarness } from './api-harness';

let h: ApiHarness;

beforeAll(async () => {
  h = await startApiHarness({}, { eventOptions: { pingIntervalMs: 300 } });
});

afterAll(async () => {
  await h?.close();
});

type Entry = EventBatch[number];

function progressOf(events: Entry[], id: string): number[] {
  return events.flatMap((e) => (e.event === 'job:progress' && e.payload.id === id ? [e.payload.progress] : []));
}

function completed(events: Entry[], id: string): boolean {
  return events.some((e) => e.event === 'job:completed' && e.payload.id === id);
}

describe('WebSocket /api/events', () => {
  it('delivers the progress and completion of a running job in batches (HTTP client, token in the first message)', async () => {
    const events: Entry[] = [];
    let batches = 0;
    let opened!: () => void;
    const open = new Promise<void>((r) => (opened = r));
    const unsubscribe = h.client.subscribe(
      (batch) => {
        batches++;
        events.push(...batch);
      },
      { onOpen: () => opened() },
    );
    try {
      await open;
      const job = await h.client.api['jobs:submit']({ type: 'progress', parameters: { steps: 8, stepMs: 60 } });
      await waitUntil(() => completed(events, job.id), 'job:completed over the WebSocket');
      const progress = progressOf(events, job.id);
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress).toEqual([...progress].sort((a, b) => a - b));
      expect(events.some((e) => e.event === 'job:started' && e.payload.id === job.id)).toBe(true);
      expect(batches).toBeLessThan(events.length + 1); // batched, never more messages than events
    } finally {
      unsubscribe();
    }
  });

  it('accepts the token in the Authorization header (scripts) and sends [] first', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.api.port}/api/events`, { headers: { Authorization: `Bearer ${h.token}` } });
    const first = await new Promise<string>((resolve, reject) => {
      ws.once('message', (data) => resolve(String(data)));
      ws.once('error', reject);
    });
    expect(first).toBe('[]');
    ws.close();
  });

  it('refuses a wrong token in the header at the upgrade with 401', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.api.port}/api/events`, { headers: { Authorization: 'Bearer wrong-token' } });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(401);
  });

  it('closes with 4401 when the first message carries a wrong token', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.api.port}/api/events`);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token: 'wrong' })));
    const code = await new Promise<number>((resolve) => ws.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);
  });

  it('refuses a foreign Origin at the upgrade with 403', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${h.api.port}/api/events`, { headers: { Authorization: `Bearer ${h.token}`, Origin: 'http://evil.example' } });
    const status = await new Promise<number>((resolve) => ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)));
    expect(status).toBe(403);
  });

  it('drops a client that does not answer pings', async () => {
    const port = h.api.port;
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (d: Buffer) => (received += d.toString('latin1')));
    socket.on('error', () => undefined);
    socket.write(
      `GET /api/events HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer ${h.token}\r\n\r\n`,
    );
    // This raw client never answers a ping: after at most two ping intervals the server hangs up.
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toContain('101 Switching Protocols');
  });
});

describe('the HTTP client’s subscription', () => {
  it('reconnects after the server restarts, and stops when unsubscribed', async () => {
    const { startApiServer } = await import('../../../src/main/api');
    const { createHttpClient } = await import('../../../src/shared/http-client');
    const first = await startApiServer({ manager: h.engine.manager, config: h.engine.config, port: 0, rendererDir: null, token: h.token });
    const client = createHttpClient({ baseUrl: first.url, token: h.token, WebSocket: WebSocket as never });
    let opens = 0;
    const disconnects: Array<number | null> = [];
    const unsubscribe = client.subscribe(() => undefined, { onOpen: () => opens++, onDisconnect: (d) => disconnects.push(d.retryInMs), minDelayMs: 50, maxDelayMs: 200 });
    await waitUntil(() => opens === 1, 'the first subscription');
    await first.close();
    await waitUntil(() => disconnects.length >= 1, 'the disconnect');
    const second = await startApiServer({ manager: h.engine.manager, config: h.engine.config, port: first.port, rendererDir: null, token: h.token });
    try {
      await waitUntil(() => opens === 2, 'the reconnection');
      expect(disconnects.every((d) => d !== null)).toBe(true);
      unsubscribe();
      await waitUntil(() => second.server.eventClientCount === 0, 'the server to see the client leave');
    } finally {
      await second.close();
    }
  });
});

describe('Server-Sent Events /api/events/stream', () => {
  it('delivers the progress and completion of a running job as `data:` lines', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/events/stream`, { headers: { Authorization: `Bearer ${h.token}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events: Entry[] = [];
    let buffer = '';
    let firstBatchSeen!: () => void;
    const firstBatch = new Promise<void>((r) => (firstBatchSeen = r));
    const reading = (async () => {
      const decoder = new TextDecoder();
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const line of block.split('\n')) {
            if (!line.startsWith('data: ')) continue;
            events.push(...(JSON.parse(line.slice(6)) as EventBatch));
            firstBatchSeen();
          }
        }
      }
    })().catch(() => undefined);
    try {
      await firstBatch;
      const job = await h.client.api['jobs:submit']({ type: 'progress', parameters: { steps: 6, stepMs: 60 } });
      await waitUntil(() => completed(events, job.id), 'job:completed over SSE');
      expect(progressOf(events, job.id).length).toBeGreaterThanOrEqual(1);
    } finally {
      controller.abort();
      await reading;
    }
  });

  it('accepts the token as a query parameter (EventSource cannot set headers)', async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.base}/api/events/stream?token=${encodeURIComponent(h.token)}`, { signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    const denied = await fetch(`${h.base}/api/events/stream?token=wrong`);
    expect(denied.status).toBe(401);
  });
});
