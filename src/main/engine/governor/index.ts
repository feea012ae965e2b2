/**
 * Governor: the engine's resource governance, as building blocks the dispatcher and the worker
 * pool compose — rate-limit pools, concurrency limits, host backpressure, per-job CPU/memory
 * enforcement decisions and auto-scaling decisions. Time-based parts take a TimerClock or `now`.
 * User guide: docs/resources.md.
 */
export { createManualClock, systemTimerClock } from './timer-clock';
export type { ManualClock, TimerClock, TimerHandle } from './timer-clock';
export { TokenBucket, validateRate } from './token-bucket';
export { RatePools } from './rate-pools';
export type { RatePoolInfo, RatePoolsOptions } from './rate-pools';
export { ConcurrencyLimits } from './concurrency-limits';
export type { ConcurrencyCapacity, ConcurrencyLimitsConfig, ConcurrencySlot, StartCheck } from './concurrency-limits';
export {
  Backpressure,
  DEFAULT_BACKPRESSURE_CONFIG,
  INITIAL_BACKPRESSURE_STATE,
  nextBackpressureState,
} from './backpressure';
export type { BackpressureConfig, BackpressureState, LoadSample } from './backpressure';
export { CPU_POLICIES, DEFAULT_RESOURCE_POLICY, ResourceTracker, evaluateResourcePolicy } from './resource-policy';
export type { CpuPolicy, JobUsageSample, ResourceDecision, ResourcePolicyConfig } from './resource-policy';
export { DEFAULT_AUTO_SCALER_CONFIG, INITIAL_AUTO_SCALER_STATE, decide } from './auto-scaler';
export type { AutoScalerConfig, AutoScalerInput, AutoScalerState, ScaleDecision } from './auto-scaler';
