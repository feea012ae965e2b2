import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/shared/errors';
import {
  applyScheduleUpdate,
  explainCronError,
  machineZone,
  parseScheduleDefinition,
  triggerKind,
} from '../../../src/main/engine/scheduler';

function validationMessage(input: unknown): string {
  try {
    parseScheduleDefinition(input);
  } catch (err) {
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('VALIDATION');
    return (err as AppError).message;
  }
  throw new Error('expected a validation error');
}

describe('ScheduleDefinitionSchema', () => {
  it('applies the documented defaults and stores times as epoch ms', () => {
    const def = parseScheduleDefinition({ type: 'cleanup', cronExpression: '0 3 * * *', startDate: '2025-01-01T00:00:00Z' });
    expect(def).toMatchObject({
      type: 'cleanup',
      parameters: {},
      timezone: machineZone(),
      misfirePolicy: 'run_once',
      misfireThresholdSeconds: 60,
      maxCatchUp: 10,
      overlapPolicy: 'skip',
      startDate: Date.UTC(2025, 0, 1),
    });
    expect(triggerKind(def)).toBe('cron');
  });

  it('accepts each trigger alone, 6-field cron and aliases, and canonicalizes the zone', () => {
    expect(triggerKind(parseScheduleDefinition({ type: 'x', intervalSeconds: 300 }))).toBe('interval');
    expect(triggerKind(parseScheduleDefinition({ type: 'x', scheduledTime: 1_700_000_000_000 }))).toBe('once');
    expect(parseScheduleDefinition({ type: 'x', cronExpression: '*/10 * * * * *' }).cronExpression).toBe('*/10 * * * * *');
    expect(parseScheduleDefinition({ type: 'x', cronExpression: '@daily' }).cronExpression).toBe('@daily');
    expect(parseScheduleDefinition({ type: 'x', cronExpression: '0 9 * * 1-5', timezone: 'america/new_york' }).timezone).toBe(
      'America/New_York',
    );
  });

  it('rejects a bad cron expression naming the field and the problem', () => {
    expect(validationMessage({ type: 'x', cronExpression: '0 25 * * *' })).toMatch(
      /cronExpression: hour field "25": 25 is outside 0-23/,
    );
    expect(validationMessage({ type: 'x', cronExpression: '61 * * * *' })).toMatch(/minute field "61".*0-59/);
    expect(validationMessage({ type: 'x', cronExpression: '0 0 * 13 *' })).toMatch(/month field "13".*1-12/);
    expect(validationMessage({ type: 'x', cronExpression: '0 0 * * funday' })).toMatch(/dayOfWeek field "funday": cannot resolve alias "fun"/);
    expect(validationMessage({ type: 'x', cronExpression: '* * *' })).toMatch(/expected 5 fields .* or 6 .*, got 3/);
    expect(validationMessage({ type: 'x', cronExpression: '* * * * * * *' })).toMatch(/got 7/);
    expect(validationMessage({ type: 'x', cronExpression: '@fortnightly' })).toMatch(/unknown alias "@fortnightly"/);
    expect(explainCronError('0 0 30 2 *')).toMatch(/dayOfMonth "30" and month "2" never meet/);
    expect(explainCronError('0 12 * * MON-FRI')).toBeNull();
  });

  it('rejects an unknown zone', () => {
    expect(validationMessage({ type: 'x', cronExpression: '0 * * * *', timezone: 'Mars/Olympus_Mons' })).toMatch(
      /timezone: unknown time zone "Mars\/Olympus_Mons"/,
    );
  });

  it('rejects two triggers and no trigger', () => {
    expect(validationMessage({ type: 'x', cronExpression: '0 * * * *', intervalSeconds: 60 })).toMatch(
      /intervalSeconds: expected exactly one trigger, got cronExpression and intervalSeconds/,
    );
    expect(validationMessage({ type: 'x' })).toMatch(/expected exactly one trigger: cronExpression, intervalSeconds or scheduledTime/);
  });

  it('rejects bad fields of the template and bounds', () => {
    expect(validationMessage({ type: 'x', intervalSeconds: 0 })).toMatch(/intervalSeconds/);
    expect(validationMessage({ type: 'Bad Type', intervalSeconds: 5 })).toMatch(/type: expected a type name/);
    expect(validationMessage({ type: 'x', intervalSeconds: 5, misfirePolicy: 'later' })).toMatch(/misfirePolicy/);
    expect(validationMessage({ type: 'x', intervalSeconds: 5, startDate: 2000, endDate: 1000 })).toMatch(
      /endDate: must not be before startDate/,
    );
    expect(validationMessage({ type: 'x', intervalSeconds: 5, colour: 'red' })).toMatch(/unknown field "colour"/);
  });
});

describe('applyScheduleUpdate', () => {
  const base = parseScheduleDefinition({ type: 'x', cronExpression: '0 * * * *', timezone: 'UTC', parameters: { a: 1 }, endDate: 5e12 });

  it('keeps what the patch does not name, replaces the trigger, clears with null', () => {
    const next = applyScheduleUpdate(base, { intervalSeconds: 60, endDate: null });
    expect(next.cronExpression).toBeUndefined();
    expect(next.intervalSeconds).toBe(60);
    expect(next.endDate).toBeUndefined();
    expect(next.parameters).toEqual({ a: 1 });
    expect(next.timezone).toBe('UTC');
  });

  it('validates the result as a whole', () => {
    expect(() => applyScheduleUpdate(base, { cronExpression: '0 99 * * *' })).toThrow(/hour field "99"/);
    expect(() => applyScheduleUpdate(base, { startDate: 6e12 })).toThrow(/endDate: must not be before startDate/);
  });
});
