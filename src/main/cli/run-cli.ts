/**
 * The `jobhandle` command line: dispatches to a command, turns errors into one clear line and an
 * exit status (0 ok; 1 the waited-for job failed or the check is unhealthy; 2 usage or
 * validation error; 3 the store or the engine failed).
 */
import { resolve } from 'node:path';
import { AppError } from '../../shared/errors';
import { loadConfig, type SettingsFile } from '../engine/config';
import { JobManager } from '../engine/manager';
import { exitCodeFor, UsageError, type GlobalValues } from './cli-args';
import type { Output } from './cli-output';
import type { CliCommand, CliContext } from './cli-types';
import { JOB_COMMANDS } from './job-commands';
import { WORKER_COMMANDS } from './worker-commands';
import { backendOverrides, BACKEND_OPTIONS_HELP } from './backend-options';
import { RESOURCE_COMMANDS } from './resource-commands';
import { SCHEDULE_COMMANDS } from './schedule-commands';
import { SERVE_COMMANDS } from './serve-commands';
import { ANALYTICS_COMMANDS } from './analytics-commands';

export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env?: NodeJS.ProcessEnv;
}

export const COMMANDS: Record<string, CliCommand> = { ...JOB_COMMANDS, ...WORKER_COMMANDS, ...SCHEDULE_COMMANDS, ...SERVE_COMMANDS, ...ANALYTICS_COMMANDS, ...RESOURCE_COMMANDS };

function helpText(): string {
  const lines = [
    'jobhandle — background jobs on this machine (SQLite) or a shared Redis',
    '',
    'usage: jobhandle <command> [options]',
    '',
    'commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)}${c.summary}`),
    '',
    'options of every command:',
    '  --db PATH        the job database (default: <data dir>/jobhandle.db)',
    '  --data-dir DIR   the data directory (default: the desktop app\'s, or JOBHANDLE_DATA_DIR)',
    '  --config FILE    a settings file (default: <data dir>/settings.json)',
    ...BACKEND_OPTIONS_HELP,
    '  --json           machine-readable output',
    '',
    'exit status: 0 ok, 1 the waited-for job failed (or unhealthy), 2 usage or validation error, 3 store or engine error',
    'run `jobhandle <command> --help` for the options of a command',
  ];
  return lines.join('\n');
}

/** Run the CLI with `argv` (without node and script). Resolves with the exit status. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  const json = args.includes('--json');
  const output: Output = { json, out: io.out, err: io.err };
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`jobhandle: unknown command "${name}"; commands: ${Object.keys(COMMANDS).join(', ')}`);
    return 2;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.out(`usage: jobhandle ${command.usage}\n\n${command.summary}`);
    return 0;
  }
  const ctx: CliContext = {
    output,
    async withManager(values: GlobalValues & Record<string, unknown>, fn, options = {}) {
      const overrides: SettingsFile = { ...options.overrides, ...backendOverrides(values) };
      if (values['data-dir']) overrides.dataDir = resolve(String(values['data-dir']));
      if (values.db) overrides.dbPath = resolve(String(values.db));
      const config = loadConfig({ env: io.env ?? process.env, settingsPath: values.config, overrides });
      const manager = await JobManager.open({
        config,
        queues: options.queues ?? null,
        ...(options.workerNamePrefix ? { workerNamePrefix: options.workerNamePrefix } : {}),
      });
      try {
        return await fn(manager);
      } finally {
        await manager.close();
      }
    },
  };
  try {
    return await command.run(args, ctx);
  } catch (err) {
    const code = exitCodeFor(err);
    if (err instanceof UsageError) {
      io.err(`jobhandle ${name}: ${err.message}\nusage: jobhandle ${command.usage}`);
    } else if (err instanceof AppError) {
      io.err(json ? JSON.stringify({ error: err.toWire() }) : `jobhandle ${name}: ${err.message} [${err.code}]`);
    } else {
      io.err(`jobhandle ${name}: unexpected error: ${(err as Error).message ?? String(err)}`);
    }
    return code;
  }
}
