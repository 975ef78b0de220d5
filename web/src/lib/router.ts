/** Client-side routes on the History API: `/`, `/r/<room>`, `/dm`, `/dm/<username>`, `/settings`. */
export type Route = { name: 'home' } | { name: 'room'; room: string } | { name: 'dm'; with?: string } | { name: 'settings' };

export function parseRoute(pathname: string): Route {
  const room = /^\/r\/([^/]+)\/?$/.exec(pathname);
  if (room) return { name: 'room', room: safeDecode(room[1]!) };
  const dm = /^\/dm(?:\/([^/]+))?\/?$/.exec(pathname);
  if (dm) return { name: 'dm', with: dm[1] ? safeDecode(dm[1]) : undefined };
  if (/^\/settings\/?$/.test(pathname)) return { name: 'settings' };
  return { name: 'home' };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export const roomPath = (room: string) => `/r/${encodeURIComponent(room)}`;
export const dmPath = (username?: string) => (username ? `/dm/${encodeURIComponent(username)}` : '/dm');

let onChange: (() => void) | undefined;

export function startRouter(render: () => void): void {
  onChange = render;
  window.addEventListener('popstate', render);
  // Same-origin links marked data-link navigate without a page load.
  document.addEventListener('click', (event) => {
    const a = (event.target as Element | null)?.closest?.('a[data-link]') as HTMLAnchorElement | null;
    if (!a || event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    navigate(a.pathname);
  });
}

export function navigate(path: string, replace = false): void {
  if (path === location.pathname) return;
  if (replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  onChange?.();
}
