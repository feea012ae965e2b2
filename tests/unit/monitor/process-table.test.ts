import { describe, expect, it } from 'vitest';
import {
  collectTree,
  indexChildren,
  parseLinuxStat,
  parseLinuxStatusRss,
  parsePsOutput,
  parsePsTime,
  parseWindowsProcessCsv,
  pickMount,
} from '../../../src/main/engine/monitor';

describe('Linux /proc parsers', () => {
  it('reads ppid, CPU ticks, start time and rss pages from a stat line, even with a hostile comm', () => {
    const line =
      '13834 (my (evil) prog 1) R 13791 13791 6397 0 -1 4194304 105 0 0 0 250 50 0 0 20 0 1 0 68211 3133440 417 18446744073709551615 0 0';
    expect(parseLinuxStat(line)).toEqual({ pid: 13834, ppid: 13791, cpuTicks: 300, startTicks: 68211, rssPages: 417 });
    expect(parseLinuxStat('garbage')).toBeNull();
  });

  it('reads VmRSS from status, and null for a kernel thread', () => {
    expect(parseLinuxStatusRss('Name:\tnode\nVmPeak:\t 100 kB\nVmRSS:\t  204812 kB\nRssAnon:\t 1 kB\n')).toBe(204812 * 1024);
    expect(parseLinuxStatusRss('Name:\tkworker/0:1\nState:\tI (idle)\n')).toBeNull();
  });
});

describe('macOS ps parser (captured output)', () => {
  it('parses ps times in all their shapes', () => {
    expect(parsePsTime('0:00.03')).toBe(30);
    expect(parsePsTime('123:04.56')).toBe((123 * 60 + 4.56) * 1000);
    expect(parsePsTime('1:02:03')).toBe(3723_000);
    expect(parsePsTime('2-01:00:00')).toBe((2 * 86400 + 3600) * 1000);
    expect(parsePsTime('n/a')).toBeNull();
  });

  it('parses `ps -A -o pid=,ppid=,rss=,time=`', () => {
    const captured = [
      '    1     0  13424   2:41.35',
      '  312     1   5024   0:00.71',
      '98765   312 204800   1:00.50',
      '  bad line',
      '',
    ].join('\n');
    expect(parsePsOutput(captured)).toEqual([
      { pid: 1, ppid: 0, rssBytes: 13424 * 1024, cpuTimeMs: 161_350 },
      { pid: 312, ppid: 1, rssBytes: 5024 * 1024, cpuTimeMs: 710 },
      { pid: 98765, ppid: 312, rssBytes: 204800 * 1024, cpuTimeMs: 60_500 },
    ]);
  });
});

describe('Windows Win32_Process CSV parser (captured output)', () => {
  it('parses PowerShell 7 and 5.1 (#TYPE line) output, by header name', () => {
    const ps7 = [
      '"ProcessId","ParentProcessId","WorkingSetSize","KernelModeTime","UserModeTime"',
      '"0","0","8192","1234560000","0"',
      '"4","0","1589248","22500000",""',
      '"7120","6884","215351296","1562500","20312500"',
      '',
    ].join('\r\n');
    const rows = parseWindowsProcessCsv(ps7);
    expect(rows).toEqual([
      { pid: 0, ppid: 0, rssBytes: 8192, cpuTimeMs: 123_456 },
      { pid: 4, ppid: 0, rssBytes: 1589248, cpuTimeMs: 2250 },
      { pid: 7120, ppid: 6884, rssBytes: 215351296, cpuTimeMs: 2187.5 },
    ]);
    const ps51 = '#TYPE Selected.Microsoft.Management.Infrastructure.CimInstance\r\n"UserModeTime","ProcessId","ParentProcessId","KernelModeTime","WorkingSetSize"\r\n"10000","42","4","0","4096"\r\n';
    expect(parseWindowsProcessCsv(ps51)).toEqual([{ pid: 42, ppid: 4, rssBytes: 4096, cpuTimeMs: 1 }]);
    expect(parseWindowsProcessCsv('"Foo"\r\n"1"')).toEqual([]);
  });
});

describe('process trees', () => {
  it('collects descendants breadth-first and survives cycles', () => {
    const entries = [
      { pid: 0, ppid: 0 },
      { pid: 10, ppid: 1 },
      { pid: 11, ppid: 10 },
      { pid: 12, ppid: 11 },
      { pid: 13, ppid: 10 },
      { pid: 20, ppid: 21 },
      { pid: 21, ppid: 20 },
    ];
    const present = new Set(entries.map((e) => e.pid));
    const children = indexChildren(entries);
    expect(collectTree(10, children, present)).toEqual([10, 11, 13, 12]);
    expect(collectTree(20, children, present)).toEqual([20, 21]);
    expect(collectTree(0, children, present)).toEqual([0]);
    expect(collectTree(99, children, present)).toEqual([]);
  });
});

describe('pickMount', () => {
  const mounts = [
    { mount: '/', available: 1, size: 10 },
    { mount: '/home', available: 2, size: 10 },
    { mount: '/home/user/data', available: 3, size: 10 },
  ];
  it('picks the longest mount holding the directory', () => {
    expect(pickMount('/home/user/data/jobs', mounts, 'linux')!.available).toBe(3);
    expect(pickMount('/home/user/database', mounts, 'linux')!.available).toBe(2);
    expect(pickMount('/var/lib', mounts, 'linux')!.available).toBe(1);
    expect(pickMount('/x', [{ mount: '/home', available: 2, size: 1 }], 'linux')).toBeNull();
  });
  it('matches Windows drives case-insensitively', () => {
    const win = [
      { mount: 'C:', available: 1, size: 1 },
      { mount: 'D:\\', available: 2, size: 1 },
    ];
    expect(pickMount('c:\\Users\\me\\AppData', win, 'win32')!.available).toBe(1);
    expect(pickMount('D:/jobs', win, 'win32')!.available).toBe(2);
    expect(pickMount('E:\\x', win, 'win32')).toBeNull();
  });
});
