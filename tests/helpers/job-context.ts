/**
 * A real JobContext for handler tests: an AbortController you can abort with a reason, and
 * arrays that collect what the handler reported (progress, log lines, tracked pids).
 */
import type { JobPriority } from '../../src/shared/model';
import type { AbortReason, JobContext } from '../../src/main/engine/handlers/handler-types';

export interface ProgressCall {
  percent: number;
  message: string | undefined;
}

export interface LogCall {
  line: string;
  stream: 'out' | 'err' | 'log';
}

export interface TestContext {
  ctx: JobContext;
  controller: AbortController;
  /** Abort the job's signal, as the engine does on cancel / timeout / shutdown. */
  abort(reason?: AbortReason | unknown): void;
  progress: ProgressCall[];
  logs: LogCall[];
  pids: number[];
  /** Log lines of one stream, in order. */
  lines(stream?: 'out' | 'err' | 'log'): string[];
}

export interface MakeContextOptions {
  type?: string;
  id?: string;
  attempt?: number;
  maxRetries?: number;
  timeoutSeconds?: number;
  priority?: JobPriority;
  queue?: string;
}

/**
 * Build a JobContext around `params`.
 * Input: the job's parameters and optional job fields.
 * Output: the context plus the controller and the collected calls.
 */
export function makeContext(params: Record<string, unknown>, opts: MakeContextOptions = {}): TestContext {
  const controller = new AbortController();
  const progress: ProgressCall[] = [];
  const logs: LogCall[] = [];
  const pids: number[] = [];
  const ctx: JobContext = {
    job: {
      id: opts.id ?? 'job-test-1',
      type: opts.type ?? 'test',
      queue: opts.queue ?? 'default',
      priority: opts.priority ?? 'NORMAL',
      attempt: opts.attempt ?? 1,
      maxRetries: opts.maxRetries ?? 3,
      timeoutSeconds: opts.timeoutSeconds ?? 60,
    },
    params,
    signal: controller.signal,
    progress(percent, message) {
      progress.push({ percent, message });
    },
    log(line, stream = 'log') {
      logs.push({ line, stream });
    },
    trackProcess(pid) {
      pids.push(pid);
    },
    acquire() {
      return Promise.resolve(); // no rate pools in handler unit tests
    },
  };
  return {
    ctx,
    controller,
    abort: (reason: unknown = 'cancelled') => controller.abort(reason),
    progress,
    logs,
    pids,
    lines: (stream = 'out') => logs.filter((l) => l.stream === stream).map((l) => l.line),
  };
}
