/**
 * Per-job resource enforcement decisions, from a job's usage samples (its worker-side process
 * tree: the handler plus any processes it spawned and registered).
 *
 * MEMORY: the moment a sample's resident memory exceeds `maxMemoryMb`, the decision is `kill`
 * with error class `resource_limit` ("memory 312 MB exceeded the job's limit of 256 MB"). The job
 * is retried only if its limits say `retryOnLimit: true`.
 *
 * CPU (100 % = one full core, so 250 % is two and a half cores): a job whose CPU stays above
 * `maxCpuPercent` for longer than the sustain period (default 30 s) — every sample in that span
 * above the limit — is handled by the policy:
 * - `throttle` (default): the decision is `throttle`; the dispatcher stops co-scheduling new jobs
 *   on that job's worker until a sample is back at or below the limit. The job keeps running.
 * - `kill`: the job is killed with error class `resource_limit`, like a memory overrun.
 * Short spikes (shorter than the sustain period) are ignored.
 *
 * `evaluateResourcePolicy` is a pure function over the time series; `ResourceTracker` keeps a
 * bounded series per job for the caller.
 */
import type { JobError, ResourceLimits } from '../../../shared/model';

export const CPU_POLICIES = ['throttle', 'kill'] as const;
export type CpuPolicy = (typeof CPU_POLICIES)[number];

export interface ResourcePolicyConfig {
  /** How long CPU must stay above the limit before the CPU policy applies, ms. */
  cpuSustainMs: number;
  cpuPolicy: CpuPolicy;
}

export const DEFAULT_RESOURCE_POLICY: ResourcePolicyConfig = { cpuSustainMs: 30_000, cpuPolicy: 'throttle' };

/** One usage sample of a job's process tree. */
export interface JobUsageSample {
  /** Epoch ms. */
  at: number;
  /** CPU %, 100 = one core; null when not measurable yet (first sample). */
  cpuPercent: number | null;
  /** Resident memory of the tree, bytes. */
  rssBytes: number;
}

export type ResourceDecision =
  | { action: 'none' }
  | {
      action: 'kill';
      limit: 'memory' | 'cpu';
      /** Measured value: MB for memory, % for CPU. */
      measured: number;
      /** The limit crossed: MB or %. */
      limitValue: number;
      /** The job's failure, class `resource_limit`. */
      error: JobError;
      /** Whether the job's limits allow a retry (`retryOnLimit`). */
      retryable: boolean;
    }
  | {
      action: 'throttle';
      limit: 'cpu';
      measured: number;
      limitValue: number;
      /** Since when CPU has been above the limit (epoch ms). */
      overSince: number;
      reason: string;
    };

const MB = 1024 * 1024;

/**
 * Decides what to do about a job, given its limits and its usage samples (any order; only the
 * latest sample and the samples of the last sustain period matter).
 * Inputs: limits, samples, `now` (epoch ms), config. Outputs: a ResourceDecision. Errors: none.
 */
export function evaluateResourcePolicy(
  limits: ResourceLimits,
  samples: readonly JobUsageSample[],
  now: number,
  config: ResourcePolicyConfig = DEFAULT_RESOURCE_POLICY,
): ResourceDecision {
  const series = samples.filter((s) => s.at <= now).sort((a, b) => a.at - b.at);
  const latest = series[series.length - 1];
  if (!latest) return { action: 'none' };
  const retryable = limits.retryOnLimit === true;

  if (limits.maxMemoryMb !== undefined && latest.rssBytes > limits.maxMemoryMb * MB) {
    const measured = round1(latest.rssBytes / MB);
    return {
      action: 'kill',
      limit: 'memory',
      measured,
      limitValue: limits.maxMemoryMb,
      retryable,
      error: {
        class: 'resource_limit',
        code: 'MEMORY_LIMIT',
        message: `memory ${measured} MB exceeded the job's limit of ${limits.maxMemoryMb} MB (maxMemoryMb)`,
      },
    };
  }

  const cpuLimit = limits.maxCpuPercent;
  if (cpuLimit === undefined) return { action: 'none' };
  const overSince = cpuOverSince(series, cpuLimit);
  if (overSince === null || now - overSince < config.cpuSustainMs) return { action: 'none' };
  const measured = round1(latest.cpuPercent ?? 0);
  const seconds = Math.round((now - overSince) / 1000);
  if (config.cpuPolicy === 'kill') {
    return {
      action: 'kill',
      limit: 'cpu',
      measured,
      limitValue: cpuLimit,
      retryable,
      error: {
        class: 'resource_limit',
        code: 'CPU_LIMIT',
        message: `CPU ${measured}% stayed above the job's limit of ${cpuLimit}% (maxCpuPercent) for ${seconds} s`,
      },
    };
  }
  return {
    action: 'throttle',
    limit: 'cpu',
    measured,
    limitValue: cpuLimit,
    overSince,
    reason: `CPU ${measured}% above the job's limit of ${cpuLimit}% for ${seconds} s: no new jobs on its worker until it drops`,
  };
}

/**
 * Start of the current unbroken run of over-limit CPU samples ending at the latest sample, or
 * null if the latest sample is not over. Null CPU values break the run.
 */
function cpuOverSince(series: readonly JobUsageSample[], limit: number): number | null {
  let since: number | null = null;
  for (let i = series.length - 1; i >= 0; i--) {
    const s = series[i]!;
    if (s.cpuPercent === null || s.cpuPercent <= limit) break;
    since = s.at;
  }
  return since;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Keeps each running job's recent samples (bounded to the sustain period plus `slackMs`) and
 * evaluates them. One instance per engine; `forget` a job when it ends.
 */
export class ResourceTracker {
  private readonly series = new Map<string, JobUsageSample[]>();
  private readonly peaks = new Map<string, number>();
  private readonly config: ResourcePolicyConfig;

  /** Inputs: partial config over the defaults; `slackMs` of extra history kept (default 10 s). */
  constructor(
    config: Partial<ResourcePolicyConfig> = {},
    private readonly slackMs = 10_000,
  ) {
    this.config = { ...DEFAULT_RESOURCE_POLICY, ...config };
  }

  /** Appends a sample of job `jobId` and drops samples older than the window. */
  record(jobId: string, sample: JobUsageSample): void {
    const list = this.series.get(jobId) ?? [];
    list.push(sample);
    this.peaks.set(jobId, Math.max(this.peaks.get(jobId) ?? 0, sample.rssBytes));
    const horizon = sample.at - this.config.cpuSustainMs - this.slackMs;
    // Keep one sample at or before the horizon so that a run spanning the whole window is seen.
    let drop = 0;
    while (drop + 1 < list.length && list[drop + 1]!.at <= horizon) drop++;
    if (drop > 0) list.splice(0, drop);
    this.series.set(jobId, list);
  }

  /** The decision for `jobId` at `now` (`none` for a job without samples). */
  evaluate(jobId: string, limits: ResourceLimits, now: number): ResourceDecision {
    return evaluateResourcePolicy(limits, this.series.get(jobId) ?? [], now, this.config);
  }

  /** Peak resident memory recorded for the job since its first sample, MB (for JobMetrics), or null. */
  peakMemoryMb(jobId: string): number | null {
    const peak = this.peaks.get(jobId);
    return peak === undefined ? null : round1(peak / MB);
  }

  /** Drops a finished job's samples. */
  forget(jobId: string): void {
    this.series.delete(jobId);
    this.peaks.delete(jobId);
  }

  /** The policy in use. */
  settings(): Readonly<ResourcePolicyConfig> {
    return this.config;
  }
}
