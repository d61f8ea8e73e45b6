/**
 * Hash routes (`#/station/longdukou?range=7d`): the server serves one page at `/`, deep links survive a reload,
 * and nothing collides with `/api/v1` — also when a reverse proxy mounts Qingliu under a prefix.
 */
export const ROUTE_NAMES = ['overview', 'station', 'alerts', 'compliance', 'report', 'marks', 'login'] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface Route {
  name: RouteName;
  /** The path segment after the route name (a station id). */
  id?: string;
  query: URLSearchParams;
}

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const [pathPart = '', queryPart = ''] = raw.split('?', 2);
  const parts = pathPart.split('/').filter(Boolean).map(decodeURIComponent);
  const query = new URLSearchParams(queryPart);
  const first = parts[0] ?? 'overview';
  const name = (ROUTE_NAMES as readonly string[]).includes(first) ? (first as RouteName) : 'overview';
  return parts[1] !== undefined ? { name, id: parts[1], query } : { name, query };
}

/** `#/station/longdukou?range=7d`; empty and undefined query values are left out. */
export function hrefOf(name: RouteName, id?: string, query: Record<string, string | undefined> = {}): string {
  const path = name === 'overview' ? '#/' : `#/${name}${id !== undefined ? `/${encodeURIComponent(id)}` : ''}`;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, v);
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}
