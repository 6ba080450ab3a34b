import type { FastifyInstance } from 'fastify';

/** Config keys that name a route's own body limit, in bytes. */
export type BodyLimitKey = 'SEARCH_DOCUMENTS_BODY_LIMIT_BYTES' | 'HEALTH_WEBHOOK_BODY_LIMIT_BYTES';

const CONFIG_KEY = 'bodyLimitFrom';

/** For `@RouteConfig(...)`: the route takes bodies up to the config's value instead of BODY_LIMIT_BYTES. */
export function bodyLimitFrom(key: BodyLimitKey): Record<string, string> {
  return { [CONFIG_KEY]: key };
}

/** Gives every route marked with {@link bodyLimitFrom} its limit; call before the routes are registered. */
export function applyRouteBodyLimits(fastify: FastifyInstance, limits: Record<BodyLimitKey, number>): void {
  fastify.addHook('onRoute', (route) => {
    const key = (route.config as Record<string, unknown> | undefined)?.[CONFIG_KEY];
    if (typeof key === 'string' && key in limits) route.bodyLimit = limits[key as BodyLimitKey];
  });
}
