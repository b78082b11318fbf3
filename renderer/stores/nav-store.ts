/** Which screen is open, kept in the URL hash so back/forward and reloads work. */
import { create } from 'zustand';
import { formatRoute, parseRoute, type Route } from '../logic/route.ts';

interface NavStore {
  route: Route;
  go(route: Route): void;
}

export const useNav = create<NavStore>(() => ({
  route: parseRoute(window.location.hash),
  go(route) {
    const hash = formatRoute(route);
    if (window.location.hash !== hash) window.location.hash = hash;
    else useNav.setState({ route });
  },
}));

export function trackHash(): () => void {
  const onChange = () => useNav.setState({ route: parseRoute(window.location.hash) });
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

export function go(route: Route): void {
  useNav.getState().go(route);
}
