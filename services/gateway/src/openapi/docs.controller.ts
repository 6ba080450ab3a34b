import { Controller, Get, Header, NotFoundException, Param } from '@nestjs/common';
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

const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Conduit API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui' });</script>
</body></html>`;

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
  asset(@Param('file') file: string): Buffer {
    if (!SWAGGER_ASSETS.has(file)) throw new NotFoundException('No such asset');
    return readFileSync(join(swaggerDir, file));
  }
}
