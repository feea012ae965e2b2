/**
 * The virtualized jobs table: only the rows in view are in the DOM; the next cursor page is
 * fetched when the user scrolls near the end of what is loaded. Arrow keys move between rows,
 * Enter opens a job, Space selects it.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useCallback, useEffect, useRef, useState, type JSX, type KeyboardEvent } from 'react';
import { useAppStore, useStoreApi } from '../../store/store-context';
import { JOB_PAGE_SIZE, type JobSortField } from '../../store/jobs-slice';
import { JobRow, ROW_HEIGHT } from './job-row';

/**
 * Load the next page when fewer than this many loaded rows are left below the view: a whole page
 * ahead, so a fast scroll rarely reaches the "Loading more jobs…" row.
 */
const PREFETCH_ROWS = JOB_PAGE_SIZE;
/**
 * Rows rendered beyond each edge of the view. Every rendered row costs style, layout and paint
 * on each scroll step that replaces it; three rows (a wheel notch is about 100 px) hide the one
 * frame a row takes to appear.
 */
const OVERSCAN_ROWS = 3;
/**
 * Without a known total, the table's row count grows in blocks of this many rows (placeholder rows
 * stand for the rows not loaded yet): see `tableCount`.
 */
const COUNT_BLOCK = 10 * JOB_PAGE_SIZE;
/** How long a row moved to by the keyboard waits to be rendered and focused. */
const PENDING_FOCUS_MS = 1000;

const COLUMNS: Array<{ label: string; sort?: JobSortField; className?: string }> = [
  { label: 'ID', className: 'jcell-id' },
  { label: 'Type' },
  { label: 'Queue' },
  { label: 'Priority', sort: 'priority' },
  { label: 'Status' },
  { label: 'Progress', className: 'jcell-progress' },
  { label: 'Attempts', className: 'jcell-num' },
  { label: 'Created', sort: 'createdAt', className: 'jcell-time' },
  { label: 'Started', className: 'jcell-time' },
  { label: 'Duration', sort: 'finishedAt', className: 'jcell-num' },
  { label: 'Worker' },
];

/** The header row; memoized, so the table's render on each scroll step does not render it. */
const HeaderRow = memo(function HeaderRow({ total }: { total: number }): JSX.Element {
  const filters = useAppStore((s) => s.jobs.table.filters);
  const setFilters = useAppStore((s) => s.jobs.setFilters);
  const rowCount = useAppStore((s) => s.jobs.table.rows.length);
  const selectedCount = useAppStore((s) => Object.keys(s.jobs.selected).length);
  const store = useStoreApi();
  const allSelected = rowCount > 0 && selectedCount >= rowCount;
  const selectAll = (on: boolean): void => {
    const { jobs } = store.getState();
    jobs.setSelected(jobs.table.rows.map((r) => r.id), on);
  };
  return (
    <div className="jrow jrow-head" role="row" aria-rowindex={1}>
      <div role="columnheader" className="jcell jcell-check">
        <input type="checkbox" checked={allSelected} onChange={(e) => selectAll(e.target.checked)} aria-label={`Select all ${rowCount} loaded jobs`} disabled={rowCount === 0} />
      </div>
      {COLUMNS.map((col) => {
        const sorted = col.sort && filters.sort === col.sort;
        return (
          <div key={col.label} role="columnheader" className={`jcell ${col.className ?? ''}`} aria-sort={sorted ? (filters.order === 'asc' ? 'ascending' : 'descending') : undefined}>
            {col.sort ? (
              <button
                type="button"
                className="sort-button"
                onClick={() => setFilters(sorted ? { order: filters.order === 'asc' ? 'desc' : 'asc' } : { sort: col.sort!, order: 'desc' })}
                aria-label={`Sort by ${col.label.toLowerCase()}`}
              >
                {col.label} {sorted ? (filters.order === 'asc' ? '↑' : '↓') : ''}
              </button>
            ) : (
              col.label
            )}
          </div>
        );
      })}
      <span className="visually-hidden">{total} jobs</span>
    </div>
  );
});

/**
 * The number of rows the virtualizer lays out: the loaded rows, then placeholder rows ("Loading
 * more jobs…") for the rows still to come. It changes as rarely as possible, because each change
 * makes react-virtual rebuild its measurements of every row (O(rows), on the page's arrival):
 * while more pages remain it is the query's known total (`expected`), or else the loaded rows plus
 * one rounded up to a block of COUNT_BLOCK rows (exact below one block); once the last page is in,
 * exactly the loaded rows.
 */
export function tableCount(rowCount: number, hasMore: boolean, expected: number): number {
  if (!hasMore) return rowCount;
  const next = rowCount + 1;
  return Math.max(expected, next <= COUNT_BLOCK ? next : Math.ceil(next / COUNT_BLOCK) * COUNT_BLOCK);
}

/** The table; `total` is the best-known number of matching jobs (for the row count). */
export function JobsTable({ total }: { total: number }): JSX.Element {
  const rowCount = useAppStore((s) => s.jobs.table.rows.length);
  const hasMore = useAppStore((s) => s.jobs.table.nextCursor !== null);
  const requestId = useAppStore((s) => s.jobs.table.requestId);
  const loadMore = useAppStore((s) => s.jobs.loadMore);
  const scrollRef = useRef<HTMLDivElement>(null);
  // The total as it was when this query's first known total arrived: the rows of one query are
  // fixed when it starts (new jobs show as "N new since loaded"), while the live total moves with
  // every stats sample, and following it would rebuild the virtualizer's measurements each time.
  const [expected, setExpected] = useState({ requestId, total });
  if (expected.requestId !== requestId || (expected.total === 0 && total > 0)) setExpected({ requestId, total });
  const count = tableCount(rowCount, hasMore, expected.requestId === requestId ? expected.total : total);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN_ROWS,
    // Render the rows of a new scroll offset in their own task (React's scheduler) instead of
    // synchronously inside the scroll event: the frame's style/layout/paint and React's render
    // are then two tasks, not one long one.
    useFlushSync: false,
    // jsdom has no layout: render a first screenful there.
    initialRect: { width: 1200, height: 600 },
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.at(-1)?.index ?? 0;
  // Rows are keyed by slot, `index % slots`, with `slots` the most rows ever in view at once (it
  // only grows): the rows in view are a contiguous run of indexes, so the keys are unique, and a
  // row scrolled out hands its element to the row scrolled in (a re-render with new props, not an
  // unmount and a mount). Keyed by `items.length`, which changes by one as the view straddles a
  // row boundary, every row was remounted whenever it did.
  const slotsRef = useRef(0);
  slotsRef.current = Math.max(slotsRef.current, items.length);
  const slots = slotsRef.current;
  // While the view scrolls, the rows are in the DOM in slot order: each row element stays where it
  // is and only its text and position change (React would otherwise move the elements that wrap
  // around, and a moved element is styled and laid out from scratch). When scrolling stops they
  // are put back in visual order, so the reading and Tab order follow the rows on screen.
  const rendered = virtualizer.isScrolling ? items.slice().sort((a, b) => (a.index % slots) - (b.index % slots)) : items;

  useEffect(() => {
    // loadMore itself skips while a page is in flight; the arrival of a page changes rowCount,
    // which checks again (so pages keep coming while the view is on placeholder rows further
    // down). (Not subscribing to `loading` spares the table two renders a page.)
    if (hasMore && lastIndex >= rowCount - PREFETCH_ROWS) void loadMore();
  }, [lastIndex, rowCount, hasMore, loadMore]);

  // The key handler stays the same function while pages arrive, so the memoized rows in view are
  // not re-rendered when only the number of loaded rows changed.
  const rowCountRef = useRef(rowCount);
  rowCountRef.current = rowCount;
  // The row that arrow keys moved to, until it is rendered and focused: rows of a new scroll
  // offset render in a later task, and keys pressed meanwhile step on from it, not from the row
  // that still has the focus (which lost steps when keys repeat quickly). Forgotten after a
  // second (a row that never rendered, e.g. after a refresh, must not steer later keys).
  const pendingFocusRef = useRef<{ index: number; at: number } | null>(null);
  const focusPending = useCallback((): void => {
    const pending = pendingFocusRef.current;
    if (!pending) return;
    if (performance.now() - pending.at > PENDING_FOCUS_MS) {
      pendingFocusRef.current = null;
      return;
    }
    const row = scrollRef.current?.querySelector<HTMLElement>(`[data-index="${pending.index}"]`);
    if (!row) return;
    pendingFocusRef.current = null;
    row.focus({ preventScroll: true });
  }, []);
  // After every render: the pending row may have just been rendered.
  useEffect(focusPending);
  const onRowKeyDown = useCallback(
    (e: KeyboardEvent<HTMLDivElement>, index: number) => {
      const step = e.key === 'ArrowDown' ? 1 : e.key === 'ArrowUp' ? -1 : e.key === 'PageDown' ? 15 : e.key === 'PageUp' ? -15 : 0;
      if (step === 0) return;
      e.preventDefault();
      const pending = pendingFocusRef.current;
      const from = pending && performance.now() - pending.at <= PENDING_FOCUS_MS ? pending.index : index;
      const target = Math.max(0, Math.min(rowCountRef.current - 1, from + step));
      pendingFocusRef.current = { index: target, at: performance.now() };
      virtualizer.scrollToIndex(target, { align: 'auto' });
      focusPending();
    },
    [virtualizer, focusPending],
  );

  return (
    <div className="jtable" role="table" aria-label="Jobs" aria-rowcount={Math.max(total, rowCount) + 1}>
      <HeaderRow total={total} />
      <div className="jscroll" ref={scrollRef} data-testid="jobs-scroll" data-loaded-rows={rowCount}>
        <div className="jspacer" style={{ height: virtualizer.getTotalSize() }} role="rowgroup">
          {rendered.map((item) => (
            <JobRow key={item.index % slots} index={item.index} top={item.start} onKeyDown={onRowKeyDown} />
          ))}
        </div>
      </div>
    </div>
  );
}
