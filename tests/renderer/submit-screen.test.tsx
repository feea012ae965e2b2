// @vitest-environment jsdom
/**
 * Submit: parameters are checked as JSON while typing, a job is submitted with its options, the
 * engine's validation error is shown with its field and code, and a cron schedule shows its next
 * runs (or the engine's explanation of a bad expression) before it is created.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src/shared/errors';
import type { JobSubmission } from '../../src/shared/model';
import { SubmitScreen } from '../../src/renderer/src/features/submit/submit-screen';
import { fakeApi, makeJob, makeSchedule, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

const preview = vi.fn(async (raw: { id: string } | { definition: Record<string, unknown> }) => {
  const input = raw as { definition?: Record<string, unknown> };
  if (input.definition?.cronExpression === '0 25 * * *') {
    throw new AppError('VALIDATION', 'invalid schedule: cronExpression: hour field "25": 25 is outside 0-23');
  }
  return { zone: String(input.definition?.timezone), fires: [{ at: 1, utc: '2025-02-03T09:30:00.000Z', local: '2025-02-03T09:30:00.000+00:00', zone: 'Europe/London' }] };
});

describe('SubmitScreen', () => {
  it('checks the parameters as JSON and submits a job with its options', async () => {
    const submit = vi.fn(async (s: JobSubmission) => makeJob({ id: 'new-1', type: s.type }));
    const { store } = renderWithStore(<SubmitScreen />, fakeApi({ 'jobs:submit': submit, 'jobs:list': async () => ({ jobs: [], nextCursor: null }) }));
    const editor = screen.getByLabelText('Parameters (JSON)');
    fireEvent.change(editor, { target: { value: '{"argv": ["echo",' } });
    expect(screen.getByRole('alert').textContent).toMatch(/^Not valid JSON/);
    expect((screen.getByRole('button', { name: 'Submit job' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(editor, { target: { value: '["not", "an object"]' } });
    expect(screen.getByRole('alert').textContent).toBe('Parameters must be a JSON object, like {"key": "value"}.');
    fireEvent.change(editor, { target: { value: '{"argv": ["echo", "hi"]}' } });
    fireEvent.change(screen.getByLabelText('Priority'), { target: { value: 'HIGH' } });
    fireEvent.change(screen.getByLabelText('Retries'), { target: { value: '2' } });
    fireEvent.change(screen.getByLabelText('Maximum memory in MB'), { target: { value: '256' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));
    await waitFor(() => expect(submit).toHaveBeenCalledWith({ type: 'command', parameters: { argv: ['echo', 'hi'] }, priority: 'HIGH', maxRetries: 2, limits: { maxMemoryMb: 256 } }));
    await waitFor(() => expect(store.getState().ui.route).toEqual({ name: 'job', id: 'new-1' }));
  });

  it("shows the engine's validation error with its code", async () => {
    const submit = vi.fn(() => Promise.reject(new AppError('VALIDATION', 'invalid job: parameters.argv: expected a non-empty array of strings')));
    renderWithStore(<SubmitScreen />, fakeApi({ 'jobs:submit': submit, 'jobs:list': async () => ({ jobs: [], nextCursor: null }) }));
    fireEvent.change(screen.getByLabelText('Parameters (JSON)'), { target: { value: '{"argv": []}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Submit job' }));
    expect((await screen.findByText(/parameters\.argv/)).textContent).toBe('The input is not valid: invalid job: parameters.argv: expected a non-empty array of strings (VALIDATION)');
  });

  it('previews a cron schedule in its zone, explains a bad expression, and creates it', async () => {
    const create = vi.fn(async () => makeSchedule());
    const { store } = renderWithStore(<SubmitScreen />, fakeApi({ 'schedules:preview': preview, 'schedules:create': create }));
    fireEvent.click(screen.getByRole('radio', { name: 'On a schedule' }));
    fireEvent.change(screen.getByRole('textbox', { name: 'Cron expression' }), { target: { value: '0 25 * * *' } });
    expect((await screen.findByText(/hour field/)).textContent).toBe('cronExpression: hour field "25": 25 is outside 0-23 (VALIDATION)');
    fireEvent.change(screen.getByRole('textbox', { name: 'Cron expression' }), { target: { value: '30 9 * * 1-5' } });
    fireEvent.change(screen.getByLabelText('Time zone'), { target: { value: 'Europe/London' } });
    expect(await screen.findByText('Next runs (Europe/London):')).toBeTruthy();
    expect(screen.getByText('Mon 2025-02-03 09:30 (UTC+00:00)')).toBeTruthy();
    expect(preview.mock.lastCall?.[0]).toMatchObject({ count: 5, definition: { type: 'command', cronExpression: '30 9 * * 1-5', timezone: 'Europe/London' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create schedule' }));
    await waitFor(() => expect(create).toHaveBeenCalledWith(expect.objectContaining({ type: 'command', cronExpression: '30 9 * * 1-5', timezone: 'Europe/London', misfirePolicy: 'run_once', overlapPolicy: 'skip' })));
    await waitFor(() => expect(store.getState().ui.route).toEqual({ name: 'schedules' }));
  });
});
