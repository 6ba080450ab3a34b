// Builds the console into dist/: index.html plus content-hashed assets under dist/assets/, which the
// gateway serves at /console (services/gateway/src/console). `import url from './x.worklet.ts?worklet'`
// bundles that module on its own (an AudioWorklet or Worker script) and imports its served URL.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(fileURLToPath(import.meta.url));
const dist = join(root, 'dist');
const assets = join(dist, 'assets');
const PUBLIC_ASSETS = '/console/assets';

/** @type {import('esbuild').BuildOptions} */
const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
};

/** @type {import('esbuild').Plugin} */
const worklets = {
  name: 'worklet-url',
  setup(bundler) {
    bundler.onResolve({ filter: /\?worklet$/ }, (args) => ({
      path: resolve(args.resolveDir, args.path.replace(/\?worklet$/, '')),
      namespace: 'worklet',
    }));
    bundler.onLoad({ filter: /.*/, namespace: 'worklet' }, async (args) => {
      const result = await build({ ...common, entryPoints: [args.path], write: false });
      const code = result.outputFiles[0].contents;
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 10);
      const name = `${basename(args.path).replace(/\.ts$/, '')}-${hash}.js`;
      writeFileSync(join(assets, name), code);
      return {
        contents: `export default ${JSON.stringify(`${PUBLIC_ASSETS}/${name}`)};`,
        loader: 'js',
        watchFiles: [args.path],
      };
    });
  },
};

rmSync(dist, { recursive: true, force: true });
mkdirSync(assets, { recursive: true });
const result = await build({
  ...common,
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir: assets,
  entryNames: '[name]-[hash]',
  assetNames: '[name]-[hash]',
  metafile: true,
  plugins: [worklets],
});
const [script, output] = Object.entries(result.metafile.outputs).find(
  ([, out]) => out.entryPoint === 'src/main.ts',
);
const served = (file) => `${PUBLIC_ASSETS}/${relative(assets, join(root, file))}`;
const page = readFileSync(join(root, 'src', 'index.html'), 'utf8')
  .replace('%SCRIPT%', served(script))
  .replace('%STYLES%', served(output.cssBundle));
writeFileSync(join(dist, 'index.html'), page);
