/**
 * The URL names the view and its parameters (`#/files?q=ab12&kind=checkpoint`),
 * so browser mode can be bookmarked and Back works. Hash routes also work
 * when Electron loads the renderer from a file.
 */
export const VIEWS = ['stores', 'files', 'registry', 'lineage', 'compare', 'cards'] as const;
export type ViewId = (typeof VIEWS)[number];

export interface Route {
  view: ViewId;
  params: Record<string, string>;
}

export function parseRoute(hash: string): Route {
  const body = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = body.split('?');
  const view = (VIEWS as readonly string[]).includes(path) ? (path as ViewId) : 'stores';
  return { view, params: Object.fromEntries(new URLSearchParams(query)) };
}

export function formatRoute(route: Route): string {
  const q = new URLSearchParams(Object.entries(route.params).filter(([, v]) => v !== '')).toString();
  return `#/${route.view}${q ? `?${q}` : ''}`;
}
