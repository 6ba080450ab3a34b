import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiRoute } from '../http/api-route.decorator';
import { type ConsoleFile, encodedFor, loadConsoleFiles } from './console-files';

export const CONSOLE_PATH = '/console';

/**
 * The console's page may load only its own scripts, styles and AudioWorklet/worker modules from the
 * gateway, talk only to the gateway (`'self'` covers same-origin ws:/wss: too), play audio and show
 * images it made itself (blob:) or fetched from the gateway. No inline script or style, no eval.
 */
export const CONSOLE_CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  defaultSrc: ["'self'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'", 'data:', 'blob:'],
  mediaSrc: ["'self'", 'blob:'],
  connectSrc: ["'self'"],
  workerSrc: ["'self'"],
  fontSrc: ["'self'"],
  objectSrc: ["'none'"],
  baseUri: ["'self'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
};

/** Hashed names never change content: a year, immutable. The page itself is revalidated every time. */
const ASSET_CACHE = 'public, max-age=31536000, immutable';
const PAGE_CACHE = 'no-cache';

/** Serves the web console built into services/gateway/console/dist (README, Console). */
@Controller('console')
export class ConsoleController {
  private readonly files = loadConsoleFiles();

  @Get()
  @ApiRoute({ summary: 'The web console', tag: 'meta', public: true, produces: 'none' })
  page(@Headers('accept-encoding') acceptEncoding: string | undefined, @Res() reply: FastifyReply): void {
    if (!this.files) throw new NotFoundException('The console is not built: run npm run build');
    send(reply, this.files.page, PAGE_CACHE, acceptEncoding);
  }

  @Get('assets/:file')
  @ApiRoute({ summary: 'The web console assets', tag: 'meta', public: true, produces: 'none' })
  asset(
    @Param('file') name: string,
    @Headers('accept-encoding') acceptEncoding: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const file = this.files?.assets.get(name);
    if (!file) throw new NotFoundException('No such console asset');
    send(reply, file, ASSET_CACHE, acceptEncoding);
  }
}

function send(
  reply: FastifyReply,
  file: ConsoleFile,
  cacheControl: string,
  acceptEncoding: string | undefined,
): void {
  const { body, encoding } = encodedFor(file, acceptEncoding);
  void reply
    .header('content-type', file.type)
    .header('cache-control', cacheControl)
    .header('vary', 'accept-encoding');
  if (encoding) void reply.header('content-encoding', encoding);
  void reply.send(body);
}
