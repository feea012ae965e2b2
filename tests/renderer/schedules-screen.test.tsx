// @vitest-environment jsdom
/**
 * Schedules: the list shows trigger, zone, next run and policies; pause, run now and delete (after
 * a confirmation) call the engine; an empty list tells the user how to create one.
 */
import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SchedulesScreen } from '../../src/renderer/src/features/schedules/schedules-screen';
import { fakeApi, makeJob, makeSchedule, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

describe('SchedulesScreen', () => {
  it('lists schedules and pauses, runs and deletes one', async () => {
    const schedule = makeSchedule();
    const pause = vi.fn(async () => makeSchedule({ state: { ...schedule.state, paused: true }, nextFire: null }));
    const runNow = vi.fn(async () => makeJob({ id: 'run-1' }));
    const del = vi.fn(async () => ({ id: 'sch-1', deleted: true as const }));
    renderWithStore(<SchedulesScreen />, fakeApi({ 'schedules:list': async () => ({ schedules: [schedule], nextCursor: null }), 'schedules:pause': pause, 'schedules:runNow': runNow, 'schedules:delete': del }));
    const row = (await screen.findByRole('rowheader', { name: 'nightly' })).closest('tr')!;
    expect(within(row).getByText('cron 0 2 * * *')).toBeTruthy();
    expect(within(row).getByText('Fri 2025-01-31 10:00 (UTC+00:00)')).toBeTruthy();
    expect(within(row).getByText('run_once / skip')).toBeTruthy();
    expect(within(row).getByText('never ran')).toBeTruthy();
    fireEvent.click(within(row).getByRole('button', { name: 'Pause nightly' }));
    await waitFor(() => expect(pause).toHaveBeenCalledWith({ id: 'sch-1' }));
    await screen.findByRole('button', { name: 'Resume nightly' });
    fireEvent.click(screen.getByRole('button', { name: 'Run nightly now' }));
    await waitFor(() => expect(runNow).toHaveBeenCalledWith({ id: 'sch-1' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete nightly' }));
    fireEvent.click(within(screen.getByRole('dialog', { name: 'Delete schedule nightly?' })).getByRole('button', { name: 'Delete schedule' }));
    await waitFor(() => expect(del).toHaveBeenCalledWith({ id: 'sch-1' }));
    await waitFor(() => expect(screen.queryByRole('rowheader', { name: 'nightly' })).toBeNull());
  });

  it('edits the trigger with a preview and saves a patch', async () => {
    const update = vi.fn(async () => makeSchedule());
    renderWithStore(
      <SchedulesScreen />,
      fakeApi({
        'schedules:list': async () => ({ schedules: [makeSchedule()], nextCursor: null }),
        'schedules:preview': async () => ({ zone: 'Europe/London', fires: [] }),
        'schedules:update': update,
      }),
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Edit nightly' }));
    fireEvent.click(screen.getByRole('radio', { name: 'At a fixed interval' }));
    fireEvent.change(screen.getByLabelText('Interval in seconds'), { target: { value: '900' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save schedule' }));
    await waitFor(() => expect(update).toHaveBeenCalledWith({ id: 'sch-1', patch: { intervalSeconds: 900, timezone: 'Europe/London', misfirePolicy: 'run_once', overlapPolicy: 'skip' } }));
  });

  it('tells a new user how to create a schedule', async () => {
    renderWithStore(<SchedulesScreen />, fakeApi({ 'schedules:list': async () => ({ schedules: [], nextCursor: null }) }));
    expect(await screen.findByRole('note', { name: 'No schedules yet' })).toBeTruthy();
  });
});
