/** Handlers and settings shared by the resource-governance integration tests. */
import { join } from 'node:path';
import { HANDLERS_DIR, TEST_HANDLERS } from '../../helpers/engine';
import type { SettingsFile } from '../../../src/main/engine/config';
import type { HostSampler } from '../../../src/main/engine/monitor/host-sampler';

export const RESOURCE_HANDLERS: SettingsFile['handlers'] = {
  ...TEST_HANDLERS,
  'memory-hog': { module: join(HANDLERS_DIR, 'resources', 'memory-hog.mjs') },
  'cpu-spin': { module: join(HANDLERS_DIR, 'resources', 'cpu-spin.mjs') },
  stamp: { module: join(HANDLERS_DIR, 'resources', 'stamp.mjs') },
  'stamp-b': { module: join(HANDLERS_DIR, 'resources', 'stamp.mjs') },
};

/** A host sampler whose figures the test sets. */
export function scriptedHost(initial = { cpuPercent: 10, memoryPercent: 20 }): HostSampler & { set(v: { cpuPercent: number; memoryPercent: number }): void; reads: number } {
  let current = initial;
  const s = {
    reads: 0,
    set(v: { cpuPercent: number; memoryPercent: number }) {
      current = v;
    },
    async readCpuMemory() {
      s.reads++;
      return { ...current, memoryActiveBytes: current.memoryPercent * 1e7, memoryTotalBytes: 1e9 };
    },
    async readDisk() {
      return null;
    },
  };
  return s;
}
