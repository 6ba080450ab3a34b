import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet, { strictTransportSecurity, type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/** A Content-Security-Policy for the pages under one path prefix (an HTML page needs more than the API). */
export interface PagePolicy {
  pathPrefix: string;
  directives: Record<string, string[]>;
}

export interface SecurityHeadersOptions {
  /** Strict-Transport-Security max-age on HTTPS requests; 0 sends none. */
  hstsMaxAgeSeconds: number;
  pages: PagePolicy[];
}

/**
 * helmet's headers on every answer (`nosniff`, frame and referrer policies...), with a CSP that lets
 * an API answer load nothing at all, except on the HTML pages that declare their own. HSTS goes only
 * on requests that came over HTTPS: directly, or per X-Forwarded-Proto from a trusted proxy
 * (TRUST_PROXY); over plain HTTP it would mean nothing, and local development must stay on HTTP.
 *
 * Headers go on the raw response, so relays that write it directly (SSE) carry them too.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, options: SecurityHeadersOptions): void {
  const api = headersWith({ defaultSrc: ["'none'"], frameAncestors: ["'none'"] });
  const pages = options.pages.map((page) => ({
    pathPrefix: page.pathPrefix,
    headers: headersWith(page.directives),
  }));
  const hsts =
    options.hstsMaxAgeSeconds > 0 ? strictTransportSecurity({ maxAge: options.hstsMaxAgeSeconds }) : null;

  fastify.addHook('onRequest', (request, reply, done) => {
    const headers = pages.find((page) => isUnder(request, page.pathPrefix))?.headers ?? api;
    headers(request.raw, reply.raw, (error) => {
      if (error || !hsts || request.protocol !== 'https') return done(error as Error | undefined);
      hsts(request.raw, reply.raw, () => done());
    });
  });
}

function headersWith(directives: Record<string, string[]>): Middleware {
  const options: HelmetOptions = {
    contentSecurityPolicy: { useDefaults: false, directives },
    strictTransportSecurity: false,
    // Nothing here is meant to be framed; the CSP's frame-ancestors says the same to newer browsers.
    xFrameOptions: { action: 'deny' },
  };
  return helmet(options) as Middleware;
}

function isUnder(request: FastifyRequest, prefix: string): boolean {
  const path = request.url.split('?', 1)[0] ?? '';
  return path === prefix || path.startsWith(`${prefix}/`);
}
