import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { SchemaContainer, SchemaEngine } from '@prisma/schema-engine-wasm' with {
  'resolution-mode': 'import',
};
import { MigrationAdapterFactory } from './migration-adapter-factory';
import { DEFAULT_CONNECT_TIMEOUT_MS, withPgClient } from './pg-client';

type SchemaEngineModule = typeof import('@prisma/schema-engine-wasm/schema_engine_bg', {
  with: { 'resolution-mode': 'import' },
});

// lib "ES2023" without DOM has no WebAssembly typings; this is the one call used.
interface WasmRuntime {
  instantiate(
    bytes: Uint8Array,
    imports: object,
  ): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WasmRuntime };

export class SchemaEngineError extends Error {
  override readonly name = 'SchemaEngineError';
}

export interface SchemaEngineSession {
  readonly engine: SchemaEngine;
  close(): Promise<void>;
}

export interface OpenSchemaEngineOptions {
  readonly databaseUrl: string;
  readonly schemaFile: SchemaContainer;
  /** Postgres schema the engine works in; omit to use the server default (`public`), as diffs must. */
  readonly schema?: string;
  readonly connectTimeoutMs?: number;
}

type BindMigrationAdapter = typeof import('@prisma/driver-adapter-utils').bindMigrationAwareSqlAdapterFactory;

interface SchemaEngineRuntime {
  readonly glue: SchemaEngineModule;
  readonly bindMigrationAwareSqlAdapterFactory: BindMigrationAdapter;
}

// swc (jest and the build) compiles `import()` to `require()`, which cannot load this ESM package; a
// Function-built import is left alone and runs on Node's own loader.
type Importer = (specifier: string) => Promise<unknown>;
const importModule = new Function('specifier', 'return import(specifier)') as Importer;

/**
 * Imports the engine glue and the adapter binder from CommonJS.
 *
 * Jest (without --experimental-vm-modules) refuses dynamic import inside its vm sandbox, so there
 * they come from Node's main-context loader. They then live in the main realm, where the glue checks
 * `instanceof Promise` on what the adapter returns: the binder must come from the same realm, so that
 * its async wrappers hand the engine main-realm promises.
 */
async function importRuntime(files: readonly [string, string]): Promise<unknown[]> {
  try {
    return await Promise.all(files.map((file) => importModule(pathToFileURL(file).href)));
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG') throw error;
    const importInMainContext = new vm.Script('(specifier) => import(specifier)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }).runInThisContext() as Importer;
    return Promise.all(files.map((file) => importInMainContext(pathToFileURL(file).href)));
  }
}

let loading: Promise<SchemaEngineRuntime> | undefined;

/** Loads and instantiates the WASM schema engine once per process (first call ≈50 ms, 5 MB of WASM). */
export function loadSchemaEngine(): Promise<SchemaEngineRuntime> {
  loading ??= instantiate().catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}

async function instantiate(): Promise<SchemaEngineRuntime> {
  const nodeRequire = createRequire(__filename);
  const gluePath = nodeRequire.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
  const [glueModule, adapterUtils] = await importRuntime([
    gluePath,
    nodeRequire.resolve('@prisma/driver-adapter-utils'),
  ]);
  const glue = glueModule as SchemaEngineModule;
  // Node caches the module process-wide (across jest's per-file registries), and the glue keeps views
  // on the first instance's memory, so it must be instantiated exactly once.
  if (!isInstantiated(glue)) {
    const bytes = await readFile(path.join(path.dirname(gluePath), 'schema_engine_bg.wasm'));
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': withUnrefTimers(glue) });
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports['__wbindgen_start'] as () => void)();
  }
  // A CommonJS package imported as ESM: its exports object is `default`.
  const utils = adapterUtils as { default: { bindMigrationAwareSqlAdapterFactory: BindMigrationAdapter } };
  return { glue, bindMigrationAwareSqlAdapterFactory: utils.default.bindMigrationAwareSqlAdapterFactory };
}

/**
 * The engine arms a 10 s timer around its advisory lock and never clears it, which kept every process
 * (jest included) alive 10 s after applying migrations. Its timers only bound waits on a live
 * connection, which keeps the process alive by itself, so they need not hold the event loop.
 */
function withUnrefTimers(glue: SchemaEngineModule): Record<string, unknown> {
  const imports: Record<string, unknown> = { ...glue };
  for (const [name, value] of Object.entries(imports)) {
    if (name.startsWith('__wbg_setTimeout_') && typeof value === 'function') {
      imports[name] = (...args: unknown[]): unknown => {
        const timer = (value as (...args: unknown[]) => unknown)(...args);
        (timer as { unref?: () => void } | undefined)?.unref?.();
        return timer;
      };
    }
  }
  return imports;
}

function isInstantiated(glue: SchemaEngineModule): boolean {
  try {
    glue.version();
    return true;
  } catch {
    return false;
  }
}

/** Opens an engine on one database (and schema); callers must `close()` it to release the pool. */
export async function openSchemaEngine(options: OpenSchemaEngineOptions): Promise<SchemaEngineSession> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  // Fail fast with a readable error rather than whatever surfaces from inside the engine.
  await withPgClient(options.databaseUrl, async () => undefined, connectTimeoutMs);
  const { glue, bindMigrationAwareSqlAdapterFactory } = await loadSchemaEngine();
  const factory = new MigrationAdapterFactory({
    databaseUrl: options.databaseUrl,
    schema: options.schema,
    connectTimeoutMs,
  });
  try {
    const engine = await glue.SchemaEngine.new(
      { datamodels: [[options.schemaFile.path, options.schemaFile.content]] },
      () => undefined,
      bindMigrationAwareSqlAdapterFactory(factory),
    );
    return {
      engine,
      close: async () => {
        engine.free();
        await factory.end();
      },
    };
  } catch (error) {
    await factory.end();
    throw toSchemaEngineError(error);
  }
}

/** Engine errors end in a Rust span trace ("   0: schema_engine::..."); keep the readable head. */
export function toSchemaEngineError(error: unknown): SchemaEngineError {
  // Not `instanceof Error`: under jest the engine's errors come from another realm.
  const message =
    typeof error === 'object' && error !== null && 'message' in error ? String(error.message) : String(error);
  const head = message.split(/\n\s+0: /)[0]?.trim() || message;
  return new SchemaEngineError(head, { cause: error });
}
