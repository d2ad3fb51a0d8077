/**
 * Which methods a path takes, for the 405 a known path answers to any other method (`DELETE /api/v1/agent/me`):
 * `Allow: GET, HEAD` and `{ error }`, where it was a 404 that said no such route. Collected as routes are
 * registered (Fastify's own HEAD route for each GET among them); asked only once the router found nothing.
 */
import type { RouteOptions } from "fastify";

interface Pattern {
  path: RegExp;
  methods: Set<string>;
}

export class AllowedMethods {
  private readonly patterns = new Map<string, Pattern>();

  onRoute = (route: RouteOptions): void => {
    let pattern = this.patterns.get(route.url);
    if (!pattern) {
      pattern = { path: toRegExp(route.url), methods: new Set() };
      this.patterns.set(route.url, pattern);
    }
    for (const method of [route.method].flat()) pattern.methods.add(method);
  };

  /** The methods some route takes at this path (its query aside, repeated slashes made one as the router does), sorted; none for a path no route has. */
  of(url: string): string[] {
    const path = url.split("?")[0]!.replace(/\/{2,}/g, "/");
    const methods = new Set<string>();
    for (const pattern of this.patterns.values()) {
      if (pattern.path.test(path)) for (const method of pattern.methods) methods.add(method);
    }
    return [...methods].sort();
  }
}

/** `/api/v1/tasks/:id` → a RegExp that one segment stands in for each parameter of. */
function toRegExp(route: string): RegExp {
  const source = route.split("/").map((segment) =>
    segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("/");
  return new RegExp(`^${source}$`);
}
