/**
 * Engine events to HTTP clients: a WebSocket at /api/events and Server-Sent Events at
 * /api/events/stream. Each client gets its own EventBatcher (≤ 10 flushes a second, progress
 * coalesced), and every message is one EventBatch as JSON; the first one, `[]`, confirms the
 * subscription. Dead WebSocket clients are found by ping/pong; a client that does not keep up
 * (its send buffer over the limit) is dropped rather than allowed to grow memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { EventBatch } from '../../shared/contract';
import { EventBatcher, type EventSource } from '../services/event-batcher';
import { tokenMatches } from './api-token';

export interface EventStreamOptions {
  source: EventSource;
  token: string;
  /** Batch interval (default 100 ms). */
  intervalMs?: number;
  /** WebSocket ping interval; a client that has not answered the previous ping is dropped (default 30 s). */
  pingIntervalMs?: number;
  /** SSE keep-alive comment interval (default 15 s). */
  sseKeepAliveMs?: number;
  /** A client with more than this many bytes unsent is dropped (default 8 MiB). */
  maxBufferedBytes?: number;
  /** Time a WebSocket client has to authenticate with its first message (default 10 s). */
  authTimeoutMs?: number;
}

/** WebSocket close codes of this API. */
export const WS_CLOSE = { unauthorized: 4401, tooSlow: 4408, goingAway: 1001 } as const;

const AUTH_MESSAGE_MAX = 4096;

export class EventStreams {
  private readonly wss: WebSocketServer;
  private readonly closers = new Set<() => void>();
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly pingTimer: NodeJS.Timeout;
  private readonly maxBuffered: number;

  constructor(private readonly options: EventStreamOptions) {
    this.maxBuffered = options.maxBufferedBytes ?? 8 * 1024 * 1024;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: AUTH_MESSAGE_MAX, perMessageDeflate: false });
    this.pingTimer = setInterval(() => this.pingAll(), options.pingIntervalMs ?? 30_000);
    this.pingTimer.unref();
  }

  /** Connected clients (WebSocket and SSE). */
  get clientCount(): number {
    return this.closers.size;
  }

  private pingAll(): void {
    for (const ws of this.wss.clients) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }

  /** A batcher delivering to `send` until `stop` (idempotent) is called. */
  private subscribe(send: (batch: EventBatch) => void, onStop: () => void): () => void {
    let stopped = false;
    const batcher = new EventBatcher(this.options.source, (batch) => {
      if (!stopped) send(batch);
    }, { intervalMs: this.options.intervalMs ?? 100 });
    const stop = () => {
      if (stopped) return;
      stopped = true;
      batcher.close();
      this.closers.delete(stop);
      onStop();
    };
    this.closers.add(stop);
    return stop;
  }

  /**
   * Take over an upgrade request already checked for Host and Origin. `headerToken` is the
   * Authorization header's or the `token` query parameter's token (null: expect it as the first
   * message, `{"type":"auth","token":"..."}`).
   */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, headerToken: string | null): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      ws.on('error', () => ws.terminate());
      if (headerToken !== null) {
        if (!tokenMatches(this.options.token, headerToken)) ws.close(WS_CLOSE.unauthorized, 'unauthorized');
        else this.startWebSocket(ws);
        return;
      }
      const timer = setTimeout(() => ws.close(WS_CLOSE.unauthorized, 'authentication timeout'), this.options.authTimeoutMs ?? 10_000);
      ws.once('close', () => clearTimeout(timer));
      ws.once('message', (data, isBinary) => {
        clearTimeout(timer);
        let token: unknown = null;
        try {
          const message = JSON.parse(isBinary ? '' : String(data)) as { type?: unknown; token?: unknown };
          if (message.type === 'auth') token = message.token;
        } catch {
          token = null;
        }
        if (typeof token !== 'string' || !tokenMatches(this.options.token, token)) ws.close(WS_CLOSE.unauthorized, 'unauthorized');
        else this.startWebSocket(ws);
      });
    });
  }

  private startWebSocket(ws: WebSocket): void {
    const stop = this.subscribe(
      (batch) => {
        if (ws.readyState !== ws.OPEN) return;
        if (ws.bufferedAmount > this.maxBuffered) {
          ws.terminate(); // a client that does not read: drop it, do not buffer without bound
          stop();
          return;
        }
        ws.send(JSON.stringify(batch));
      },
      () => {
        if (ws.readyState === ws.OPEN) ws.close(WS_CLOSE.goingAway, 'server stopping');
      },
    );
    ws.on('close', stop);
    ws.send('[]');
  }

  /** Serve an SSE stream on an authenticated GET. */
  handleSse(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store, no-transform',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), this.options.sseKeepAliveMs ?? 15_000);
    keepAlive.unref();
    const stop = this.subscribe(
      (batch) => {
        if (res.writableLength > this.maxBuffered) {
          res.destroy();
          stop();
          return;
        }
        res.write(`data: ${JSON.stringify(batch)}\n\n`);
      },
      () => {
        clearInterval(keepAlive);
        res.end();
      },
    );
    req.on('close', stop);
    res.on('close', stop);
    res.write('retry: 2000\n\ndata: []\n\n');
  }

  /** Close every client and stop pinging. */
  close(): void {
    clearInterval(this.pingTimer);
    for (const stop of [...this.closers]) stop();
    for (const ws of this.wss.clients) ws.terminate();
    this.wss.close();
  }
}
