// @vitest-environment jsdom
/**
 * The shell: navigation links with the current page marked, routes mirrored in the location hash
 * (back button and bookmarks), a skip link, the theme attribute, and engine errors in a banner.
 */
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppShell } from '../../src/renderer/src/app-shell';
import { applyBatch } from '../../src/renderer/src/store/app-store';
import { fakeApi, NOW, renderWithStore } from './render-helpers';

vi.mock('uplot', () => ({ default: class { setData(): void {} setSize(): void {} destroy(): void {} } }));
afterEach(cleanup);

describe('AppShell', () => {
  it('navigates with links, keeps the hash in step and marks the current page', async () => {
    history.replaceState(null, '', '/#/schedules');
    const api = fakeApi({ 'schedules:list': async () => ({ schedules: [], nextCursor: null }), 'jobs:list': async () => ({ jobs: [], nextCursor: null }), 'governor:state': () => new Promise(() => undefined) });
    const { store } = renderWithStore(<AppShell />, api);
    expect(store.getState().ui.route).toEqual({ name: 'schedules' });
    const nav = screen.getByRole('navigation', { name: 'Main' });
    expect(within(nav).getByRole('link', { name: 'Schedules' }).getAttribute('aria-current')).toBe('page');
    fireEvent.click(within(nav).getByRole('link', { name: 'Workers' }));
    expect(screen.getByRole('heading', { level: 1, name: 'Workers' })).toBeTruthy();
    expect(location.hash).toBe('#/workers');
    act(() => {
      history.replaceState(null, '', '/#/jobs/abc');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    expect(store.getState().ui.route).toEqual({ name: 'job', id: 'abc' });
    expect(within(nav).getByRole('link', { name: 'Jobs' }).getAttribute('aria-current')).toBe('page');
    expect(screen.getByRole('link', { name: 'Skip to content' }).getAttribute('href')).toBe('#main');
  });

  it('applies the theme choice to the document and shows engine errors until dismissed', () => {
    history.replaceState(null, '', '/#/settings');
    const { store } = renderWithStore(<AppShell />, fakeApi({ 'governor:state': () => new Promise(() => undefined) }));
    act(() => store.getState().settings.setTheme('dark'));
    expect(document.documentElement.getAttribute('data-theme')).toBe('dark');
    act(() => store.getState().settings.setTheme('system'));
    expect(document.documentElement.hasAttribute('data-theme')).toBe(false);
    act(() => applyBatch(store, [{ event: 'engine:error', payload: { code: 'STORAGE_FULL', message: 'disk full' } }], NOW));
    expect(screen.getByRole('alert').textContent).toContain('disk full (STORAGE_FULL)');
    fireEvent.click(screen.getByRole('button', { name: 'Dismiss' }));
    expect(screen.queryByText(/disk full/)).toBeNull();
  });
});
