import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface GenerateOptions {
  readonly schemaPath: string;
  /** Where the CLI's output goes; defaults to this process's stdout/stderr. */
  readonly stdio?: 'inherit' | 'pipe';
}

export interface GenerateResult {
  readonly output: string;
}

/**
 * Runs `prisma generate` for one schema without network access.
 *
 * The Prisma 7 CLI downloads a schema-engine binary before `generate` even though generating never
 * runs it; pointing PRISMA_SCHEMA_ENGINE_BINARY at any existing executable skips the download. Node
 * itself is used, so a stray call would fail loudly instead of silently succeeding.
 */
export async function generatePrismaClient(options: GenerateOptions): Promise<GenerateResult> {
  // `prisma/build/index.js` (the bin) is not in the package's exports map.
  const cli = path.join(
    path.dirname(createRequire(__filename).resolve('prisma/package.json')),
    'build/index.js',
  );
  const schemaPath = path.resolve(options.schemaPath);
  const engine = process.env['PRISMA_SCHEMA_ENGINE_BINARY'];
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: engine !== undefined && existsSync(engine) ? engine : process.execPath,
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  const child = spawn(process.execPath, [cli, 'generate', '--schema', schemaPath], {
    // A prisma.config.ts next to the service, if one is ever added, is picked up from here.
    cwd: path.dirname(path.dirname(schemaPath)),
    env,
    stdio: options.stdio === 'inherit' ? 'inherit' : 'pipe',
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', resolve);
  });
  if (code !== 0) {
    throw new Error(
      `prisma generate --schema ${schemaPath} exited with ${code}${output ? `:\n${output}` : ''}`,
    );
  }
  return { output };
}
