/**
 * `jobhandle serve`: the engine, the REST/WebSocket API and the dashboard in a browser, until
 * SIGINT/SIGTERM. `jobhandle token`: print (or rotate) the API token. See docs/api.md.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { loadConfig } from '../engine/config';
import { DEFAULT_API_HOST, DEFAULT_API_PORT, loadOrCreateApiToken, rotateApiToken, startApiServer } from '../api';
import { findAppRoot, rendererDir } from '../api/app-paths';
import { ensureRendererBuilt } from '../api/renderer-build';
import { intOption, parseCommand, UsageError } from './cli-args';
import type { CliCommand } from './cli-types';

/** Open `url` in the desktop's browser; failures are ignored (the URL is printed anyway). */
function openBrowser(url: string): void {
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(command as string, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // no browser opener: the printed URL is enough
  }
}

function waitForSignal(): Promise<string> {
  return new Promise((resolvePromise) => {
    const onSignal = (signal: string) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolvePromise(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

const serve: CliCommand = {
  summary: 'run the engine, the REST API and the dashboard (http://127.0.0.1:7878)',
  usage: 'serve [--port P] [--host H [--allow-remote]] [--open] [--no-engine]',
  async run(args, ctx) {
    const { values: v } = parseCommand(
      args,
      {
        port: { type: 'string' },
        host: { type: 'string' },
        'allow-remote': { type: 'boolean', default: false },
        open: { type: 'boolean', default: false },
        'no-engine': { type: 'boolean', default: false },
      },
      0,
    );
    const port = intOption('port', v.port, 0, 65535);
    if (v.host !== undefined && String(v.host).trim() === '') throw new UsageError('--host: expected an address such as 127.0.0.1');
    return ctx.withManager(v, async (m) => {
      const o = ctx.output;
      const note = (text: string) => o.err(o.json ? JSON.stringify({ event: text }) : text);
      const root = findAppRoot();
      const dir = rendererDir(root);
      if (dir) {
        const state = await ensureRendererBuilt(root, dir);
        if (state.state === 'built') note(`built the dashboard in ${(state.ms / 1000).toFixed(1)} s`);
        else if (state.state === 'missing') note(`the dashboard is not available (${state.reason}); the API works`);
        else if (state.stale) note('note: the dashboard build is older than src/renderer; run `npm run build` to update it');
      }
      if (!v['no-engine']) await m.start();
      const server = await startApiServer({
        manager: m,
        config: m.config,
        host: v.host === undefined ? m.config.api.host ?? DEFAULT_API_HOST : String(v.host),
        port: port ?? m.config.api.port ?? DEFAULT_API_PORT,
        allowRemote: Boolean(v['allow-remote']),
        rendererDir: dir,
        log: (line) => o.err(line),
      });
      if (o.json) o.out(JSON.stringify({ url: server.dashboardUrl, api: `${server.url}/api`, port: server.port, engine: !v['no-engine'] }));
      else o.out(`JobHandle dashboard: ${server.dashboardUrl}`);
      if (v.open) openBrowser(server.dashboardUrl);
      m.on('engine:error', (e) => o.err(`engine error ${e.code}: ${e.message}`));
      const signal = await waitForSignal();
      note(`${signal}: stopping${v['no-engine'] ? '' : ` (running jobs get ${m.config.shutdownGraceSeconds} s to finish)`}`);
      await server.close();
      await m.stop();
      return 0;
    });
  },
};

const token: CliCommand = {
  summary: 'print the API token (created on first use; --rotate replaces it)',
  usage: 'token [--rotate]',
  async run(args, ctx) {
    const { values: v } = parseCommand(args, { rotate: { type: 'boolean', default: false } }, 0);
    const overrides = v['data-dir'] ? { dataDir: resolve(String(v['data-dir'])) } : {};
    const config = loadConfig({ env: process.env, ...(v.config ? { settingsPath: v.config } : {}), overrides });
    const result = v.rotate ? rotateApiToken(config.dataDir) : loadOrCreateApiToken(config.dataDir);
    ctx.output.out(ctx.output.json ? JSON.stringify({ token: result.token, path: result.path }) : result.token);
    return 0;
  },
};

export const SERVE_COMMANDS: Record<string, CliCommand> = { serve, token };
