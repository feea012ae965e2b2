/** Every chaos scenario, in the order `npm run chaos` runs them. */
import { PROCESS_SCENARIOS } from './process-scenarios';
import { REDIS_SCENARIOS } from './redis-scenarios';
import { STORE_SCENARIOS } from './store-scenarios';
import type { Scenario } from './trial';

export const ALL_SCENARIOS: Scenario[] = [...PROCESS_SCENARIOS, ...STORE_SCENARIOS, ...REDIS_SCENARIOS];
