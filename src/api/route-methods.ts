import type { FastifyInstance } from 'fastify';

/**
 * The methods each registered path answers, so that a request to a known path with another method
 * can be told 405 with an Allow header, rather than 404 as if the path did not exist. Must be
 * installed before the routes are registered (it listens to onRoute).
 */
export function recordRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    // ':param' matches one path segment; '*' (the docs' static files) matches the rest.
    const source = route.url.split('/').map((part) => (part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : escapeRegExp(part))).join('/');
    routes.push({ pattern: new RegExp(`^${source}$`), methods: [route.method].flat() });
  });
  return (path) => [...new Set(routes.filter((route) => route.pattern.test(path)).flatMap((route) => route.methods))].sort();
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
