import { Controller, Get, Header, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiRoute } from '../http/api-route.decorator';
import { OpenApiDocument } from './openapi-document';

const SWAGGER_ASSETS = new Map([
  ['swagger-ui.css', 'text/css'],
  ['swagger-ui-bundle.js', 'application/javascript'],
  ['swagger-ui-standalone-preset.js', 'application/javascript'],
]);
const swaggerDir = dirname(require.resolve('swagger-ui-dist/package.json'));

export const DOCS_PATH = '/docs';

// A script of its own rather than inline, so the page's CSP can forbid inline scripts. No validator
// badge: it would send the document to validator.swagger.io.
const INITIALIZER = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null });\n`;

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conduit API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-initializer.js"></script>
</body></html>`;

/**
 * What Swagger UI needs, nothing more: its own scripts, styles (it sets inline styles), the document
 * from this origin, and its inline SVG icons as data: images.
 */
export const DOCS_CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'", "'unsafe-inline'"],
  imgSrc: ["'self'", 'data:'],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Serves the OpenAPI document and a Swagger UI for it, from local files only. */
@Controller()
export class DocsController {
  constructor(private readonly document: OpenApiDocument) {}

  @Get('openapi.json')
  @ApiRoute({ summary: 'This OpenAPI document', tag: 'meta', public: true })
  openApi(): Record<string, unknown> {
    return this.document.get();
  }

  @Get('docs')
  @Header('content-type', 'text/html; charset=utf-8')
  @ApiRoute({ summary: 'Swagger UI', tag: 'meta', public: true, produces: 'none' })
  page(): string {
    return DOCS_PAGE;
  }

  @Get('docs/assets/:file')
  @ApiRoute({ summary: 'Swagger UI assets', tag: 'meta', public: true, produces: 'none' })
  asset(@Param('file') file: string, @Res({ passthrough: true }) reply: FastifyReply): Buffer | string {
    if (file === 'swagger-initializer.js') {
      void reply.type('application/javascript; charset=utf-8');
      return INITIALIZER;
    }
    const type = SWAGGER_ASSETS.get(file);
    if (!type) throw new NotFoundException('No such asset');
    void reply.type(type);
    return readFileSync(join(swaggerDir, file));
  }
}
