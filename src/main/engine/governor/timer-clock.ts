/**
 * The timer clock now lives next to the engine's Clock (src/main/engine/clock.ts); this module
 * re-exports it for the governor's building blocks and their tests.
 */
export { createManualClock, systemTimerClock } from '../clock';
export type { ManualClock, TimerClock, TimerHandle } from '../clock';
