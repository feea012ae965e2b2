/**
 * Monitor: host samples (CPU, memory, disk of the data directory) and per-process-tree CPU and
 * memory. The only part of the engine that imports systeminformation or reads the process table.
 */
export { HostMonitor } from './host-monitor';
export type { HostMonitorOptions, HostSample } from './host-monitor';
export { parseMemInfo, parseProcMounts, parseProcStatCpu, pickMount, systemHostSampler } from './host-sampler';
export type { CpuMemoryReading, CpuTicks, DiskReading, HostSampler, MountInfo } from './host-sampler';
export { ProcessSampler } from './process-sampler';
export type { ProcessSample, ProcessSamplerOptions, ProcessTreeUsage, ProcessUsage } from './process-sampler';
export {
  WINDOWS_PROCESS_QUERY,
  linuxProcessReader,
  processReaderFor,
  psProcessReader,
  windowsProcessReader,
} from './process-readers';
export type { LinuxReaderOptions, ProcessTableReader } from './process-readers';
export {
  collectTree,
  indexChildren,
  parseLinuxStat,
  parseLinuxStatusRss,
  parsePsOutput,
  parsePsTime,
  parseWindowsProcessCsv,
} from './process-table';
export type { LinuxStat, ProcessEntry } from './process-table';
