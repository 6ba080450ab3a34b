import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

type Importer = (specifier: string) => Promise<unknown>;

// swc (the build and jest) compiles `import()` to `require()`, which cannot load an ES module; a
// Function-built import is left alone and runs on Node's own loader.
const importModule = new Function('specifier', 'return import(specifier)') as Importer;

/**
 * Imports an ES module (by file path) from this CommonJS service. Jest without
 * --experimental-vm-modules refuses dynamic import inside its sandbox; there the module comes from
 * Node's main-context loader instead.
 */
export async function importEsModule(file: string): Promise<unknown> {
  const url = pathToFileURL(file).href;
  try {
    return await importModule(url);
  } catch (error) {
    if ((error as { code?: unknown }).code !== 'ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING_FLAG') throw error;
    const importInMainContext = new vm.Script('(specifier) => import(specifier)', {
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    }).runInThisContext() as Importer;
    return importInMainContext(url);
  }
}
