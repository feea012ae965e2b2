/**
 * The dashboard's frame: navigation, the open screen, notices, theme. Routes live in the ui slice
 * and mirror the location hash (`#/jobs`), so the back button and bookmarks work.
 */
import { useEffect, type JSX } from 'react';
import { Notices } from './components/notices';
import { AnalyticsScreen } from './features/analytics/analytics-screen';
import { JobDetailScreen } from './features/job-detail/job-detail-screen';
import { JobsScreen } from './features/jobs/jobs-screen';
import { OverviewScreen } from './features/overview/overview-screen';
import { SchedulesScreen } from './features/schedules/schedules-screen';
import { SettingsScreen } from './features/settings/settings-screen';
import { SubmitScreen } from './features/submit/submit-screen';
import { WorkersScreen } from './features/workers/workers-screen';
import { useAppStore, useStoreApi } from './store/store-context';
import { hashToRoute, routeToHash, type Route } from './store/ui-slice';

const NAV: Array<{ name: Route['name']; label: string }> = [
  { name: 'overview', label: 'Overview' },
  { name: 'jobs', label: 'Jobs' },
  { name: 'submit', label: 'Submit' },
  { name: 'schedules', label: 'Schedules' },
  { name: 'workers', label: 'Workers' },
  { name: 'analytics', label: 'Analytics' },
  { name: 'settings', label: 'Settings' },
];

function useHashRouting(): void {
  const store = useStoreApi();
  const route = useAppStore((s) => s.ui.route);
  useEffect(() => {
    const onHash = (): void => {
      if (!location.hash.startsWith('#/')) return;
      const next = hashToRoute(location.hash);
      if (routeToHash(next) !== routeToHash(store.getState().ui.route)) store.getState().ui.navigate(next);
    };
    onHash();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [store]);
  useEffect(() => {
    const hash = routeToHash(route);
    if (location.hash !== hash) history.pushState(null, '', hash);
  }, [route]);
}

function useTheme(): void {
  const theme = useAppStore((s) => s.settings.theme);
  useEffect(() => {
    if (theme === 'system') document.documentElement.removeAttribute('data-theme');
    else document.documentElement.setAttribute('data-theme', theme);
  }, [theme]);
}

function Screen({ route }: { route: Route }): JSX.Element {
  switch (route.name) {
    case 'overview':
      return <OverviewScreen />;
    case 'jobs':
      return <JobsScreen />;
    case 'job':
      return <JobDetailScreen id={route.id} />;
    case 'submit':
      return <SubmitScreen />;
    case 'schedules':
      return <SchedulesScreen />;
    case 'workers':
      return <WorkersScreen />;
    case 'analytics':
      return <AnalyticsScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}

function EngineErrors(): JSX.Element | null {
  const errors = useAppStore((s) => s.system.engineErrors);
  const dismiss = useAppStore((s) => s.system.dismissEngineErrors);
  const last = errors.at(-1);
  if (!last) return null;
  return (
    <div className="banner banner-error" role="alert">
      <span>
        The engine reports a problem: {last.message} ({last.code}){errors.length > 1 ? ` — and ${errors.length - 1} earlier` : ''}. It keeps retrying.
      </span>
      <button type="button" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}

/** The whole dashboard below the providers. */
export function AppShell(): JSX.Element {
  useHashRouting();
  useTheme();
  const route = useAppStore((s) => s.ui.route);
  const navigate = useAppStore((s) => s.ui.navigate);
  const active = route.name === 'job' ? 'jobs' : route.name;
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav className="sidebar" aria-label="Main">
        <div className="brand">JobHandle</div>
        <ul>
          {NAV.map((item) => (
            <li key={item.name}>
              <a
                href={routeToHash({ name: item.name } as Route)}
                aria-current={active === item.name ? 'page' : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  navigate({ name: item.name } as Route);
                }}
              >
                {item.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        <EngineErrors />
        <Screen route={route} />
      </main>
      <Notices />
    </div>
  );
}
