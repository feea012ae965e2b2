import { describe, expect, it } from 'vitest';
import { nextFireTimes, preview } from '../../../src/main/engine/scheduler';
import { HOUR, isos, schedule, t } from './helpers';

const REF = t('2025-06-15T10:07:30Z'); // a Sunday

describe('nextFireTimes: cron', () => {
  it('gives the next slots strictly after the reference, in the schedule zone', () => {
    const def = schedule({ cronExpression: '0 9 * * 1-5', timezone: 'Europe/Berlin' });
    expect(isos(nextFireTimes(def, REF, 3))).toEqual([
      '2025-06-16T07:00:00.000Z', // Mon 09:00 CEST
      '2025-06-17T07:00:00.000Z',
      '2025-06-18T07:00:00.000Z',
    ]);
    const onSlot = t('2025-06-16T07:00:00Z');
    expect(isos(nextFireTimes(def, onSlot, 1))).toEqual(['2025-06-17T07:00:00.000Z']);
  });

  it('supports 6-field expressions with seconds', () => {
    const def = schedule({ cronExpression: '*/20 * * * * *' });
    expect(isos(nextFireTimes(def, REF, 3))).toEqual([
      '2025-06-15T10:07:40.000Z',
      '2025-06-15T10:08:00.000Z',
      '2025-06-15T10:08:20.000Z',
    ]);
  });

  it('honours startDate (inclusive), endDate (inclusive) and maxRuns', () => {
    const def = schedule({
      cronExpression: '0 * * * *',
      startDate: '2025-06-15T12:00:00Z',
      endDate: '2025-06-15T14:00:00Z',
    });
    expect(isos(nextFireTimes(def, REF, 10))).toEqual([
      '2025-06-15T12:00:00.000Z',
      '2025-06-15T13:00:00.000Z',
      '2025-06-15T14:00:00.000Z',
    ]);
    const capped = schedule({ cronExpression: '0 * * * *', maxRuns: 5 });
    expect(nextFireTimes(capped, REF, 10)).toHaveLength(5);
    expect(isos(nextFireTimes(capped, REF, 10, { runs: 3 }))).toEqual(['2025-06-15T11:00:00.000Z', '2025-06-15T12:00:00.000Z']);
    expect(nextFireTimes(capped, REF, 10, { runs: 5 })).toEqual([]);
  });
});

describe('nextFireTimes: interval', () => {
  it('is anchored on startDate, so slots never drift from it', () => {
    const def = schedule({ intervalSeconds: 90 * 60, startDate: '2025-06-15T00:00:00Z' });
    expect(isos(nextFireTimes(def, REF, 3))).toEqual([
      '2025-06-15T10:30:00.000Z',
      '2025-06-15T12:00:00.000Z',
      '2025-06-15T13:30:00.000Z',
    ]);
    // Asked later (after a late tick), the grid is the same.
    expect(isos(nextFireTimes(def, t('2025-06-15T10:31:59.999Z'), 1))).toEqual(['2025-06-15T12:00:00.000Z']);
  });

  it('fires at startDate itself when the start is ahead', () => {
    const def = schedule({ intervalSeconds: 3600, startDate: '2025-06-16T00:00:00Z' });
    expect(isos(nextFireTimes(def, REF, 2))).toEqual(['2025-06-16T00:00:00.000Z', '2025-06-16T01:00:00.000Z']);
  });

  it('is anchored on the creation anchor when there is no startDate', () => {
    const def = schedule({ intervalSeconds: 600 });
    const anchorAt = REF + 600_000; // initialScheduleState sets creation + interval
    expect(nextFireTimes(def, REF + 1_000_000, 2, { anchorAt })).toEqual([REF + 1_200_000, REF + 1_800_000]);
  });

  it('is absolute time, unaffected by DST and honouring endDate and maxRuns', () => {
    const def = schedule({
      intervalSeconds: 3600,
      timezone: 'America/New_York',
      startDate: '2025-03-09T05:00:00Z',
      endDate: '2025-03-09T09:00:00Z',
    });
    const slots = nextFireTimes(def, t('2025-03-09T04:00:00Z'), 10);
    expect(slots.map((s, i) => s - (slots[i - 1] ?? s - HOUR))).toEqual([HOUR, HOUR, HOUR, HOUR, HOUR]);
    expect(isos(slots).at(-1)).toBe('2025-03-09T09:00:00.000Z');
    const capped = schedule({ intervalSeconds: 60, startDate: 0, maxRuns: 2 });
    expect(nextFireTimes(capped, REF, 5)).toHaveLength(2);
  });
});

describe('nextFireTimes: run once', () => {
  it('fires once, at its time, only if still ahead and not run yet', () => {
    const def = schedule({ scheduledTime: '2025-06-20T08:00:00+02:00' });
    expect(isos(nextFireTimes(def, REF, 5))).toEqual(['2025-06-20T06:00:00.000Z']);
    expect(nextFireTimes(def, t('2025-06-20T06:00:00Z'), 5)).toEqual([]);
    expect(nextFireTimes(def, REF, 5, { runs: 1 })).toEqual([]);
    expect(nextFireTimes(schedule({ scheduledTime: '2025-06-20T06:00:00Z', endDate: '2025-06-19T00:00:00Z' }), REF, 1)).toEqual([]);
  });
});

describe('preview', () => {
  it('shows each fire in UTC and on the schedule zone clock', () => {
    const def = schedule({ cronExpression: '30 8 * * *', timezone: 'Asia/Kolkata' });
    expect(preview(def, REF, 2)).toEqual([
      { at: t('2025-06-16T03:00:00Z'), utc: '2025-06-16T03:00:00.000Z', local: '2025-06-16T08:30:00.000+05:30', zone: 'Asia/Kolkata' },
      { at: t('2025-06-17T03:00:00Z'), utc: '2025-06-17T03:00:00.000Z', local: '2025-06-17T08:30:00.000+05:30', zone: 'Asia/Kolkata' },
    ]);
  });

  it('shows the offset change across DST and UTC as +00:00', () => {
    const ny = schedule({ cronExpression: '30 2 * * *', timezone: 'America/New_York' });
    expect(preview(ny, t('2025-03-08T00:00:00Z'), 3).map((p) => p.local)).toEqual([
      '2025-03-08T02:30:00.000-05:00',
      '2025-03-09T03:00:00.000-04:00', // 02:30 does not exist that night
      '2025-03-10T02:30:00.000-04:00',
    ]);
    expect(preview(schedule({ intervalSeconds: 60, startDate: 0 }), REF, 1)[0]).toMatchObject({
      local: '2025-06-15T10:08:00.000+00:00',
      zone: 'UTC',
    });
  });
});
