import { describe, expect, it } from 'vitest';
import { parseMemInfo, parseProcMounts, parseProcStatCpu } from '../../../src/main/engine/monitor';

describe('Linux host parsers (/proc/stat, /proc/meminfo, /proc/self/mounts)', () => {
  it('sums the aggregate cpu line: iowait counts as idle, guest is already in user', () => {
    const stat = [
      'cpu  100 5 50 800 40 3 2 1 7 0',
      'cpu0 50 2 25 400 20 1 1 0 3 0',
      'intr 12345 0 0',
    ].join('\n');
    expect(parseProcStatCpu(stat)).toEqual({ busy: 100 + 5 + 50 + 3 + 2 + 1, total: 100 + 5 + 50 + 3 + 2 + 1 + 800 + 40 });
    expect(parseProcStatCpu('cpu  10 0 5 85')).toEqual({ busy: 15, total: 100 }); // old kernels: four fields
    expect(parseProcStatCpu('cpu0 1 2 3 4\nintr 1')).toBeNull();
    expect(parseProcStatCpu('cpu  x y z w')).toBeNull();
  });

  it('computes active memory as MemTotal - MemAvailable, with the pre-3.14 fallback', () => {
    const kb = 1024;
    expect(parseMemInfo('MemTotal:       16000 kB\nMemFree:         2000 kB\nMemAvailable:    6000 kB\nCached:  3000 kB\n')).toEqual({
      totalBytes: 16000 * kb,
      activeBytes: 10000 * kb,
    });
    expect(parseMemInfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 200 kB\nSwapCached: 999 kB\nSlab: 50 kB\n')).toEqual({
      totalBytes: 1000 * kb,
      activeBytes: 600 * kb,
    });
    expect(parseMemInfo('MemFree: 1 kB')).toBeNull();
  });

  it('lists mount points with their octal escapes decoded', () => {
    const mounts = 'proc /proc proc rw,relatime 0 0\n/dev/sda1 / ext4 rw 0 0\n/dev/sdb1 /media/my\\040disk ext4 rw 0 0\n';
    expect(parseProcMounts(mounts)).toEqual(['/proc', '/', '/media/my disk']);
  });
});
