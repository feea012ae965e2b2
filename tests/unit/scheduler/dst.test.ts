/**
 * DST policy: a wall time in the spring gap fires once at the first instant after the gap; a
 * wall time in the autumn overlap fires once, at its first occurrence. Exact UTC instants.
 */
import { CronExpressionParser } from 'cron-parser';
import { describe, expect, it } from 'vitest';
import { nextFireTimes } from '../../../src/main/engine/scheduler';
import { isos, schedule, t } from './helpers';

const fires = (expr: string, zone: string, afterIso: string, count: number): string[] =>
  isos(nextFireTimes(schedule({ cronExpression: expr, timezone: zone }), t(afterIso), count));

describe('America/New_York, spring forward 2025-03-09 (02:00 EST → 03:00 EDT at 07:00Z)', () => {
  const NY = 'America/New_York';
  it('daily 02:30 (does not exist) fires once at 03:00 EDT, then back to 02:30', () => {
    expect(fires('30 2 * * *', NY, '2025-03-08T12:00:00Z', 3)).toEqual([
      '2025-03-09T07:00:00.000Z',
      '2025-03-10T06:30:00.000Z',
      '2025-03-11T06:30:00.000Z',
    ]);
  });
  it('daily 01:30 is untouched', () => {
    expect(fires('30 1 * * *', NY, '2025-03-08T12:00:00Z', 2)).toEqual(['2025-03-09T06:30:00.000Z', '2025-03-10T05:30:00.000Z']);
  });
  it('hourly: 02:00 merges into 03:00 EDT, one fire', () => {
    expect(fires('0 * * * *', NY, '2025-03-09T05:30:00Z', 3)).toEqual([
      '2025-03-09T06:00:00.000Z', // 01:00 EST
      '2025-03-09T07:00:00.000Z', // 03:00 EDT
      '2025-03-09T08:00:00.000Z', // 04:00 EDT
    ]);
  });
  it('every 15 minutes: 02:00–02:45 merge into 03:00 EDT', () => {
    expect(fires('*/15 * * * *', NY, '2025-03-09T06:40:00Z', 3)).toEqual([
      '2025-03-09T06:45:00.000Z',
      '2025-03-09T07:00:00.000Z',
      '2025-03-09T07:15:00.000Z',
    ]);
  });
});

describe('America/New_York, fall back 2025-11-02 (02:00 EDT → 01:00 EST at 06:00Z)', () => {
  const NY = 'America/New_York';
  it('daily 01:30 (occurs twice) fires once, at 01:30 EDT', () => {
    expect(fires('30 1 * * *', NY, '2025-11-01T12:00:00Z', 2)).toEqual(['2025-11-02T05:30:00.000Z', '2025-11-03T06:30:00.000Z']);
  });
  it('daily 02:30 fires once, in EST', () => {
    expect(fires('30 2 * * *', NY, '2025-11-01T12:00:00Z', 1)).toEqual(['2025-11-02T07:30:00.000Z']);
  });
  it('hourly: 01:00 fires at its EDT occurrence only', () => {
    expect(fires('0 * * * *', NY, '2025-11-02T04:30:00Z', 3)).toEqual([
      '2025-11-02T05:00:00.000Z', // 01:00 EDT
      '2025-11-02T07:00:00.000Z', // 02:00 EST (01:00 EST = 06:00Z is a repeat)
      '2025-11-02T08:00:00.000Z',
    ]);
  });
  it('every 15 minutes: the repeated 01:00–01:45 EST do not fire again', () => {
    expect(fires('*/15 * * * *', NY, '2025-11-02T05:40:00Z', 3)).toEqual([
      '2025-11-02T05:45:00.000Z',
      '2025-11-02T07:00:00.000Z',
      '2025-11-02T07:15:00.000Z',
    ]);
  });
  it('asked from inside the repeated hour, nothing of that hour fires again', () => {
    expect(fires('*/15 * * * *', NY, '2025-11-02T06:20:00Z', 1)).toEqual(['2025-11-02T07:00:00.000Z']);
  });
});

describe('Europe/London, spring forward 2025-03-30 (01:00 GMT → 02:00 BST at 01:00Z)', () => {
  const LDN = 'Europe/London';
  it('daily 01:30 (does not exist) fires once at 02:00 BST', () => {
    expect(fires('30 1 * * *', LDN, '2025-03-29T12:00:00Z', 2)).toEqual(['2025-03-30T01:00:00.000Z', '2025-03-31T00:30:00.000Z']);
  });
  it('daily 02:30 exists (BST)', () => {
    expect(fires('30 2 * * *', LDN, '2025-03-29T12:00:00Z', 2)).toEqual(['2025-03-30T01:30:00.000Z', '2025-03-31T01:30:00.000Z']);
  });
  it('hourly: 01:00 merges into 02:00 BST', () => {
    expect(fires('0 * * * *', LDN, '2025-03-29T23:30:00Z', 3)).toEqual([
      '2025-03-30T00:00:00.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-03-30T02:00:00.000Z',
    ]);
  });
  it('every 15 minutes: 01:00–01:45 merge into 02:00 BST', () => {
    expect(fires('*/15 * * * *', LDN, '2025-03-30T00:40:00Z', 3)).toEqual([
      '2025-03-30T00:45:00.000Z',
      '2025-03-30T01:00:00.000Z',
      '2025-03-30T01:15:00.000Z',
    ]);
  });
});

describe('Europe/London, fall back 2025-10-26 (02:00 BST → 01:00 GMT at 01:00Z)', () => {
  const LDN = 'Europe/London';
  it('daily 01:30 fires once, at 01:30 BST', () => {
    expect(fires('30 1 * * *', LDN, '2025-10-25T12:00:00Z', 2)).toEqual(['2025-10-26T00:30:00.000Z', '2025-10-27T01:30:00.000Z']);
  });
  it('daily 02:30 fires once, in GMT', () => {
    expect(fires('30 2 * * *', LDN, '2025-10-25T12:00:00Z', 1)).toEqual(['2025-10-26T02:30:00.000Z']);
  });
  it('hourly: 01:00 fires at its BST occurrence only', () => {
    expect(fires('0 * * * *', LDN, '2025-10-25T23:30:00Z', 3)).toEqual([
      '2025-10-26T00:00:00.000Z',
      '2025-10-26T02:00:00.000Z',
      '2025-10-26T03:00:00.000Z',
    ]);
  });
  it('every 15 minutes: the repeated 01:00–01:45 GMT do not fire again', () => {
    expect(fires('*/15 * * * *', LDN, '2025-10-26T00:40:00Z', 2)).toEqual(['2025-10-26T00:45:00.000Z', '2025-10-26T02:00:00.000Z']);
  });
});

describe('what cron-parser does alone (why we map wall times ourselves)', () => {
  const raw = (expr: string, tz: string, fromIso: string, n: number): string[] => {
    const it = CronExpressionParser.parse(expr, { currentDate: t(fromIso), tz });
    return Array.from({ length: n }, () => it.next().toDate().toISOString());
  };
  it('moves a missing time by the gap length (03:30 EDT) instead of the end of the gap', () => {
    expect(raw('30 2 * * *', 'America/New_York', '2025-03-08T12:00:00Z', 1)).toEqual(['2025-03-09T07:30:00.000Z']);
  });
  it('fires the repeated hour twice for a wildcard hour', () => {
    expect(raw('0 * * * *', 'America/New_York', '2025-11-02T04:30:00Z', 3)).toEqual([
      '2025-11-02T05:00:00.000Z',
      '2025-11-02T06:00:00.000Z',
      '2025-11-02T07:00:00.000Z',
    ]);
  });
});

describe('a half-hour DST shift (Australia/Lord_Howe, 2025-10-05: 02:00 +10:30 → 02:30 +11:00)', () => {
  it('moves a missing 02:15 to 02:30, the end of the gap', () => {
    expect(fires('15 2 * * *', 'Australia/Lord_Howe', '2025-10-04T00:00:00Z', 2)).toEqual([
      '2025-10-04T15:30:00.000Z',
      '2025-10-05T15:15:00.000Z',
    ]);
  });
});
