/**
 * Job dependencies: a DAG of jobs where each edge has a trigger (completion | success |
 * failure). Pure rules and flow planning here; stores implement DependencyStore.
 */
export { edgeVerdict, combineEdges, unmetReason, assertAcyclic, type GraphNode } from './dependency-rules';
export {
  DEPENDENCY_CANCEL_CODE,
  type DependencyEdge,
  type DependencyEffects,
  type DependencyStore,
  type DependencyTrigger,
  type EdgeState,
  type JobDependencies,
} from './dependency-types';
export { FlowSchema, FlowJobSchema, FlowDependencySchema, planFlow, type FlowInput, type FlowResult, type PlannedFlow } from './flow';
