// @vitest-environment jsdom
/**
 * Jobs screen: rows come from cursor pages, filters and search query the engine, bulk cancel asks
 * for confirmation naming how many jobs, and a progress event re-renders only its own row.
 */
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { JobListQuery } from '../../src/shared/model';
import { applyBatch } from '../../src/renderer/src/store/app-store';
import { JobsScreen } from '../../src/renderer/src/features/jobs/jobs-screen';
import { tableCount } from '../../src/renderer/src/features/jobs/jobs-table';
import { createAppStore } from '../../src/renderer/src/store/app-store';
import { fakeApi, makeJob, makeStats, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class {} }));

beforeAll(() => {
  // jsdom has no layout: give the table's scroll box a height so the virtualizer renders rows.
  for (const [name, value] of [['clientHeight', 600], ['clientWidth', 1200], ['offsetHeight', 600], ['offsetWidth', 1200]] as const) {
    Object.defineProperty(HTMLElement.prototype, name, { configurable: true, get: () => value });
  }
});
afterEach(cleanup);

function jobs(n: number, from = 0) {
  return Array.from({ length: n }, (_, i) => makeJob({ id: `job-${String(from + i).padStart(5, '0')}`, type: i % 2 ? 'http' : 'command' }));
}

describe('JobsScreen', () => {
  it('shows the first page and asks for the next one with the cursor as the user scrolls', async () => {
    const list = vi.fn(async (q: JobListQuery) => (q.cursor ? { jobs: jobs(200, 200), nextCursor: null } : { jobs: jobs(200), nextCursor: 'c1' }));
    renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': list }));
    await screen.findByText('job-00000');
    expect(list.mock.calls[0]![0]).toMatchObject({ sort: 'createdAt', order: 'desc', limit: 200 });
    expect(list.mock.calls[0]![0].cursor).toBeUndefined();
    // Only the rows in view are in the DOM.
    expect(screen.getAllByRole('row').length).toBeLessThan(60);
    const scroller = screen.getByTestId('jobs-scroll');
    scroller.scrollTop = 200 * 38 - 600;
    fireEvent.scroll(scroller);
    await waitFor(() => expect(list).toHaveBeenCalledTimes(2));
    expect(list.mock.calls[1]![0]).toMatchObject({ cursor: 'c1', limit: 200 });
  });

  it('filters by status and searches by text', async () => {
    const list = vi.fn(async (_q: JobListQuery) => ({ jobs: jobs(3), nextCursor: null }));
    renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': list }));
    await screen.findByText('job-00000');
    fireEvent.click(screen.getByRole('button', { name: 'failed' }));
    await waitFor(() => expect(list.mock.lastCall?.[0]).toMatchObject({ status: ['failed'] }));
    expect(screen.getByRole('button', { name: 'failed' }).getAttribute('aria-pressed')).toBe('true');
    fireEvent.change(screen.getByLabelText('Search jobs'), { target: { value: 'timeout' } });
    await waitFor(() => expect(list.mock.lastCall?.[0]).toMatchObject({ status: ['failed'], text: 'timeout' }));
    fireEvent.click(screen.getByRole('button', { name: 'Sort by priority' }));
    await waitFor(() => expect(list.mock.lastCall?.[0]).toMatchObject({ sort: 'priority', order: 'desc' }));
  });

  it('tells a new user what to do when there are no jobs', async () => {
    renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: [], nextCursor: null }) }));
    expect(await screen.findByRole('note', { name: 'No jobs yet' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Submit your first job' })).toBeTruthy();
  });

  it('bulk-cancels the selected jobs after a confirmation that says how many', async () => {
    const bulkCancel = vi.fn(async ({ ids }: { ids: string[] }) => ({ done: ids.slice(1), failed: [{ id: ids[0]!, error: { name: 'AppError' as const, code: 'CONFLICT' as const, message: 'job is completed' } }] }));
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(3), nextCursor: null }), 'jobs:bulkCancel': bulkCancel }));
    await screen.findByText('job-00000');
    fireEvent.click(screen.getByLabelText('Select all 3 loaded jobs'));
    expect(screen.getByText('3 jobs selected')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel selected…' }));
    const dialog = screen.getByRole('dialog', { name: 'Cancel 3 jobs?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Go back' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel 3 jobs' }));
    await waitFor(() => expect(bulkCancel).toHaveBeenCalledWith({ ids: ['job-00000', 'job-00001', 'job-00002'] }));
    await waitFor(() => expect(store.getState().ui.notices.map((n) => n.text)).toEqual(['Cancelled 2 jobs.', '1 job could not be cancelled; for example job-00000: Not possible in the current state: job is completed (CONFLICT)']));
  });

  it('closes the confirmation with Escape without acting', async () => {
    const bulkCancel = vi.fn();
    renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(2), nextCursor: null }), 'jobs:bulkCancel': bulkCancel }));
    await screen.findByText('job-00000');
    // A row shows its checkbox while the pointer (or the focus) is on it.
    const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-index') === '1')!;
    expect(within(row).queryByLabelText('Select job job-00001')).toBeNull();
    fireEvent.mouseOver(row);
    fireEvent.click(within(row).getByLabelText('Select job job-00001'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel selected…' }));
    fireEvent.keyDown(screen.getByRole('dialog', { name: 'Cancel 1 job?' }), { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(bulkCancel).not.toHaveBeenCalled();
  });

  it('updates one row from a progress event, and opens a job with Enter', async () => {
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(2), nextCursor: null }) }));
    await screen.findByText('job-00000');
    act(() => applyBatch(store, [{ event: 'job:progress', payload: { id: 'job-00001', progress: 64, message: 'halfway' } }], NOW));
    expect(screen.getByRole('progressbar', { name: 'Progress of job job-00001' }).getAttribute('aria-valuenow')).toBe('64');
    expect(screen.getByRole('progressbar', { name: 'Progress of job job-00000' }).getAttribute('aria-valuenow')).toBe('0');
    const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-index') === '1')!;
    fireEvent.keyDown(row, { key: 'Enter' });
    expect(store.getState().ui.route).toEqual({ name: 'job', id: 'job-00001' });
  });

  it('selects a row with Space, then shows every row\'s checkbox until the selection is cleared', async () => {
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(3), nextCursor: null }) }));
    await screen.findByText('job-00000');
    expect(screen.queryAllByRole('checkbox', { name: /^Select job / })).toHaveLength(0);
    const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-index') === '2')!;
    fireEvent.keyDown(row, { key: ' ' });
    expect(row.getAttribute('aria-selected')).toBe('true');
    expect(store.getState().jobs.selected).toEqual({ 'job-00002': true });
    const boxes = screen.getAllByRole('checkbox', { name: /^Select job / }) as HTMLInputElement[];
    expect(boxes.map((b) => b.checked)).toEqual([false, false, true]);
    fireEvent.click(screen.getByRole('button', { name: 'Clear selection' }));
    expect(screen.queryAllByRole('checkbox', { name: /^Select job / })).toHaveLength(0);
  });

  it('keeps the rows in visual order in the DOM once scrolling stops', async () => {
    renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(200), nextCursor: null }) }));
    await screen.findByText('job-00000');
    const scroller = screen.getByTestId('jobs-scroll');
    for (const top of [1000, 2500, 4000]) {
      scroller.scrollTop = top;
      fireEvent.scroll(scroller);
      await act(async () => new Promise((r) => setTimeout(r, 20)));
    }
    const order = (): number[] => screen.getAllByRole('row').map((r) => Number(r.getAttribute('data-index') ?? -1)).filter((i) => i >= 0);
    await waitFor(() => expect(order()[0]).toBeGreaterThan(90));
    // After the virtualizer's scroll-end delay (150 ms), the DOM order is the order on screen.
    await waitFor(() => {
      const now = order();
      expect(now).toEqual(now.slice().sort((a, b) => a - b));
    });
    expect(order()[0]).toBe(Math.floor(4000 / 38) - 3);
  });

  it('links a row\'s id to its job while the pointer is on the row', async () => {
    const { store } = renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(2), nextCursor: null }) }));
    await screen.findByText('job-00000');
    const row = screen.getAllByRole('row').find((r) => r.getAttribute('data-index') === '1')!;
    expect(within(row).queryByRole('link')).toBeNull();
    fireEvent.mouseOver(within(row).getByText('job-00001'));
    fireEvent.click(within(row).getByRole('link', { name: 'job-00001' }));
    expect(store.getState().ui.route).toEqual({ name: 'job', id: 'job-00001' });
    fireEvent.mouseLeave(row);
    expect(within(row).queryByRole('link')).toBeNull();
  });

  it('moves the focus by exactly as many rows as keys were pressed, also while rows are still rendering', async () => {
    // jsdom does not scroll: scrollTo sets scrollTop and fires the scroll event, as a browser does,
    // and the scroll box is as tall as its 200 rows.
    Object.defineProperty(HTMLElement.prototype, 'scrollHeight', { configurable: true, get: () => 200 * 38 });
    Object.defineProperty(HTMLElement.prototype, 'scrollTo', {
      configurable: true,
      value(this: HTMLElement, options?: ScrollToOptions | number) {
        this.scrollTop = typeof options === 'object' ? (options.top ?? this.scrollTop) : (options ?? 0);
        this.dispatchEvent(new Event('scroll'));
      },
    });
    try {
      renderWithStore(<JobsScreen />, fakeApi({ 'jobs:list': async () => ({ jobs: jobs(200), nextCursor: null }) }));
      await screen.findByText('job-00000');
      const rowAt = (i: number) => screen.getAllByRole('row').find((r) => r.getAttribute('data-index') === String(i));
      rowAt(0)!.focus();
      // Keys as a browser delivers them, outside act(): React renders the rows of the new scroll
      // offset later, so the next keys still reach the row that has the focus.
      (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = false;
      const press = (key: string): void => void document.activeElement!.dispatchEvent(new KeyboardEvent('keydown', { key, bubbles: true, cancelable: true }));
      for (let k = 0; k < 3; k++) press('PageDown');
      press('ArrowDown');
      expect(rowAt(46)).toBeUndefined(); // not rendered yet
      await waitFor(() => expect(document.activeElement?.getAttribute('data-index')).toBe('46'));
    } finally {
      (globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;
      delete (HTMLElement.prototype as { scrollTo?: unknown }).scrollTo;
      delete (HTMLElement.prototype as { scrollHeight?: unknown }).scrollHeight;
    }
  });

  it('lays out the known total with placeholder rows, so the row count does not change as pages arrive', async () => {
    const list = vi.fn(async (q: JobListQuery) => {
      const from = q.cursor ? Number(q.cursor) : 0;
      return { jobs: jobs(200, from), nextCursor: from + 200 < 1000 ? String(from + 200) : null };
    });
    const api = fakeApi({ 'jobs:list': list });
    const store = createAppStore(api, { now: () => NOW });
    store.setState((s) => ({ system: { ...s.system, stats: makeStats({ total: 1000 }) } }));
    renderWithStore(<JobsScreen />, api, { store });
    await screen.findByText('job-00000');
    const scroller = screen.getByTestId('jobs-scroll');
    const spacer = scroller.firstElementChild as HTMLElement;
    expect(spacer.style.height).toBe(`${1000 * 38}px`);
    // The first page, and the next one prefetched (a page ahead of the view).
    await waitFor(() => expect(scroller.getAttribute('data-loaded-rows')).toBe('400'));
    expect(spacer.style.height).toBe(`${1000 * 38}px`);
    // Beyond the loaded rows: placeholders, and the next pages load (one after the other) up to there.
    scroller.scrollTop = 500 * 38;
    fireEvent.scroll(scroller);
    await waitFor(() => expect(screen.getAllByText('Loading more jobs…').length).toBeGreaterThan(5));
    await screen.findByText('job-00510');
    expect(screen.queryAllByText('Loading more jobs…')).toHaveLength(0);
    expect(list.mock.calls.map((c) => c[0].cursor)).toEqual([undefined, '200', '400', '600']);
    expect(spacer.style.height).toBe(`${1000 * 38}px`);
    // The rows were appended in place, in order.
    expect(store.getState().jobs.table.rows.map((r) => r.id)).toEqual(jobs(800).map((j) => j.id));
  });

  it('counts rows: exactly the loaded ones at the end, the known total before, else blocks of placeholders', () => {
    expect(tableCount(0, false, 0)).toBe(0);
    expect(tableCount(350, false, 100_000)).toBe(350);
    expect(tableCount(200, true, 100_000)).toBe(100_000);
    expect(tableCount(99_800, true, 100_000)).toBe(100_000);
    expect(tableCount(100_000, true, 100_000)).toBe(102_000); // more rows than the total said
    expect(tableCount(200, true, 0)).toBe(201);
    expect(tableCount(1999, true, 0)).toBe(2000);
    expect(tableCount(2000, true, 0)).toBe(4000);
    expect(tableCount(2200, true, 0)).toBe(4000);
    expect(tableCount(4000, true, 0)).toBe(6000);
  });
});
