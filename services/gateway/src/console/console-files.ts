import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/** One file of the built console, with its compressed forms made once at start. */
export interface ConsoleFile {
  type: string;
  body: Buffer;
  br: Buffer;
  gzip: Buffer;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/** Where `node services/gateway/console/build.mjs` writes the console (both from src/ and dist/). */
export const CONSOLE_DIST = join(__dirname, '..', '..', 'console', 'dist');

/**
 * The console's page and its content-hashed assets, read into memory once (they are a few tens of
 * KiB): `null` when the console was not built.
 */
export function loadConsoleFiles(
  dir = CONSOLE_DIST,
): { page: ConsoleFile; assets: Map<string, ConsoleFile> } | null {
  if (!existsSync(join(dir, 'index.html'))) return null;
  const assetsDir = join(dir, 'assets');
  const assets = new Map<string, ConsoleFile>();
  for (const name of existsSync(assetsDir) ? readdirSync(assetsDir) : []) {
    const type = TYPES[extname(name)];
    if (type) assets.set(name, consoleFile(readFileSync(join(assetsDir, name)), type));
  }
  return { page: consoleFile(readFileSync(join(dir, 'index.html')), TYPES['.html']!), assets };
}

function consoleFile(body: Buffer, type: string): ConsoleFile {
  return {
    type,
    body,
    br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    gzip: gzipSync(body, { level: 9 }),
  };
}

/** The smallest form the client accepts (`accept-encoding`), and its `content-encoding`. */
export function encodedFor(
  file: ConsoleFile,
  acceptEncoding: string | undefined,
): { body: Buffer; encoding?: string } {
  const accepted = new Set(
    (acceptEncoding ?? '').split(',').map((part) => part.split(';')[0]!.trim().toLowerCase()),
  );
  if (accepted.has('br') && file.br.length < file.body.length) return { body: file.br, encoding: 'br' };
  if (accepted.has('gzip') && file.gzip.length < file.body.length)
    return { body: file.gzip, encoding: 'gzip' };
  return { body: file.body };
}
