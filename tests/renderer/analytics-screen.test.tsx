// @vitest-environment jsdom
/**
 * Analytics: the report's figures, failure groups linking to example jobs, a download button per
 * CSV export, and the window selector reloading the report.
 */
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AnalyticsReport, FailureAnalysis, GroupStats } from '../../src/shared/analytics-types';
import { AnalyticsScreen } from '../../src/renderer/src/features/analytics/analytics-screen';
import { fakeApi, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class { setData(): void {} setSize(): void {} destroy(): void {} } }));
afterEach(cleanup);

const pct = { count: 4, min: 100, max: 900, mean: 400, p50: 300, p95: 850, p99: 900 };
const overall: GroupStats = {
  dimension: 'overall',
  key: '*',
  counts: { completed: 9, failed: 1, cancelled: 0, total: 10 },
  successRate: 0.9,
  throughputPerHour: 2.5,
  completedPerHour: 2.25,
  duration: pct,
  wait: { ...pct, p50: 20, p95: 40 },
  retries: { total: 1, mean: 0.1, max: 1 },
  trend: [{ start: NOW - 3600_000, end: NOW, counts: { completed: 9, failed: 1, cancelled: 0, total: 10 }, successRate: 0.9, durationP50: 300, durationP95: 850 }],
};
const report: AnalyticsReport = { from: NOW - 86_400_000, to: NOW, bucket: 'hour', bucketMs: 3600_000, rows: { counted: 10, skipped: 0 }, overall, groups: [{ ...overall, dimension: 'type', key: 'command' }], failures: [], failuresOverflow: 0, slowRuns: [], slowRunCount: 0 };
const failures: FailureAnalysis = {
  from: NOW - 86_400_000,
  to: NOW,
  failed: 1,
  overflow: 0,
  groups: [{ key: 'transient:abc', errorClass: 'transient', normalized: 'exit <n>', count: 1, firstSeen: NOW, lastSeen: NOW, types: ['command'], queues: ['default'], exampleJobIds: ['01ABCDEFGHJKMNPQRSTVWXYZ12'], lastMessage: 'exit 3' }],
};

describe('AnalyticsScreen', () => {
  it('shows the figures, links failures to example jobs and downloads every CSV export', async () => {
    const reportFn = vi.fn(async (_input: unknown) => report);
    const downloadCsv = vi.fn(async (_name: string, _query: Record<string, unknown>) => undefined);
    const { store } = renderWithStore(<AnalyticsScreen />, fakeApi({ 'analytics:report': reportFn, 'analytics:failures': async () => failures }), { downloadCsv });
    expect(await screen.findByText('90.0 %', { selector: 'dd' })).toBeTruthy();
    expect(screen.getByText('300 ms / 850 ms', { selector: 'dd' })).toBeTruthy();
    expect(screen.getByRole('rowheader', { name: 'type command' })).toBeTruthy();
    expect(reportFn.mock.calls[0]![0]).toMatchObject({ from: NOW - 86_400_000, to: NOW, bucket: 'hour' });
    fireEvent.click(screen.getByRole('link', { name: 'Example failed job 01ABCDEFGHJKMNPQRSTVWXYZ12' }));
    expect(store.getState().ui.route).toEqual({ name: 'job', id: '01ABCDEFGHJKMNPQRSTVWXYZ12' });
    for (const label of ['Jobs (CSV)', 'Report by type and queue (CSV)', 'Failure groups (CSV)', 'Metrics history (CSV)']) {
      expect(screen.getByRole('button', { name: `Download ${label}` })).toBeTruthy();
    }
    fireEvent.click(screen.getByRole('button', { name: 'Download Failure groups (CSV)' }));
    await waitFor(() => expect(downloadCsv).toHaveBeenCalledWith('failures', { from: NOW - 86_400_000, to: NOW }));
    fireEvent.change(screen.getByLabelText('Time window'), { target: { value: '7d' } });
    await waitFor(() => expect(reportFn.mock.lastCall?.[0]).toMatchObject({ from: NOW - 7 * 86_400_000, bucket: 'day' }));
  });

  it('says where exports are when the transport cannot download files', async () => {
    renderWithStore(<AnalyticsScreen />, fakeApi({ 'analytics:report': async () => report, 'analytics:failures': async () => ({ ...failures, failed: 0, groups: [] }) }));
    expect(await screen.findByText(/CSV exports are downloaded from the local API server/)).toBeTruthy();
    expect(await screen.findByText('No failures in this window.')).toBeTruthy();
  });
});
