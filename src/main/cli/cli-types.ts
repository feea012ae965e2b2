/** Shapes shared by the CLI's commands. */
import type { JobManager } from '../engine/manager';
import type { GlobalValues } from './cli-args';
import type { Output } from './cli-output';

export interface CliContext {
  output: Output;
  /**
   * Open the store the global options point at, run `fn`, close. Extra settings (from command
   * flags) take precedence over the settings file and the environment.
   */
  withManager(
    values: GlobalValues & Record<string, unknown>,
    fn: (manager: JobManager) => Promise<number>,
    options?: { overrides?: import('../engine/config').SettingsFile; queues?: string[] | null; workerNamePrefix?: string },
  ): Promise<number>;
}

export interface CliCommand {
  summary: string;
  usage: string;
  /** Resolves with the exit status. */
  run(args: string[], ctx: CliContext): Promise<number>;
}
