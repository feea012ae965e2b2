/** Small shapes of governance state as stats, health and the CLI show them. */
import type { BackpressureInfo } from '../../../shared/model';
import type { BackpressureState } from './backpressure';

/** The public view of a backpressure state. */
export function backpressureView(state: BackpressureState): BackpressureInfo {
  return { engaged: state.engaged, reason: state.reason, since: state.since };
}
