/**
 * `jobhandle start-worker`: run the engine headless (worker pool + dispatcher) until SIGINT or
 * SIGTERM, then shut down gracefully. As in the original deployment guide:
 * `jobhandle start-worker --name prod_worker_1 --queue extraction_jobs`.
 */
import { intOption, parseCommand } from './cli-args';
import type { CliCommand } from './cli-types';

const startWorker: CliCommand = {
  summary: 'run the engine headless until SIGINT/SIGTERM',
  usage: 'start-worker [--name N] [--queue Q]... [--concurrency C] [--workers N] [--min N] [--max N]',
  async run(args, ctx) {
    const { values: v } = parseCommand(
      args,
      {
        name: { type: 'string' },
        queue: { type: 'string', multiple: true },
        concurrency: { type: 'string' },
        workers: { type: 'string' },
        min: { type: 'string' },
        max: { type: 'string' },
      },
      0,
    );
    const concurrency = intOption('concurrency', v.concurrency, 1, 10_000);
    const workers = intOption('workers', v.workers, 1, 256);
    const min = intOption('min', v.min, 0, 256);
    const max = intOption('max', v.max, 1, 256);
    const name = v.name === undefined ? undefined : String(v.name);
    const queues = (v.queue as string[] | undefined) ?? null;
    return ctx.withManager(
      v,
      async (m) => {
        await m.start();
        const o = ctx.output;
        const say = (text: string, data: Record<string, unknown>) => o.err(o.json ? JSON.stringify({ event: text, ...data }) : text);
        say(`engine ${m.engineId} running on ${m.backend.kind} ${m.backend.location}; workers ${m.listWorkers().map((w) => w.name).join(', ')}${queues ? `; queues ${queues.join(', ')}` : ''}`, {
          engine: m.engineId,
        });
        if (!o.json) {
          m.on('job:completed', (e) => o.out(`completed ${e.id} ${e.type} in ${e.durationMs} ms`));
          m.on('job:failed', (e) => o.out(`failed    ${e.id} ${e.type}: [${e.error.class}] ${e.error.message}`));
          m.on('job:retrying', (e) => o.out(`retrying  ${e.id} ${e.type}: [${e.error.class}] ${e.error.message}`));
          m.on('job:cancelled', (e) => o.out(`cancelled ${e.id} ${e.type}`));
        }
        m.on('engine:error', (e) => o.err(`engine error ${e.code}: ${e.message}`));
        await new Promise<void>((resolve) => {
          const stop = (signal: string) => {
            say(`${signal}: stopping (running jobs get ${m.config.shutdownGraceSeconds} s to finish)`, { signal });
            resolve();
          };
          process.once('SIGINT', () => stop('SIGINT'));
          process.once('SIGTERM', () => stop('SIGTERM'));
        });
        await m.stop();
        say('stopped', {});
        return 0;
      },
      {
        queues,
        ...(name ? { workerNamePrefix: name } : {}),
        overrides: {
          workers: {
            ...(concurrency !== undefined ? { concurrency } : {}),
            ...(workers !== undefined ? { min: workers, max: Math.max(workers, 1) } : {}),
            ...(min !== undefined ? { min } : {}),
            ...(max !== undefined ? { max } : {}),
          },
        },
      },
    );
  },
};

export const WORKER_COMMANDS: Record<string, CliCommand> = { 'start-worker': startWorker };
