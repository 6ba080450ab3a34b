// `npm run new:service -- <name>`: a new service in the one layout (docs/architecture.md), registered
// everywhere a service has to be: contracts, Kubernetes, compose, and its NATS user.
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { formatFiles, generateFiles, names } = require('@nx/devkit');
const { renderAuthConf } = require('../../nats/render-auth-conf.cjs');

const FIRST_PORT = 3101;
const FIRST_METRICS_PORT = 9464;

/** The next port after every service's own `<variable>` (k8s/services/<name>/config.env). */
function nextFreePort(tree, variable, first) {
  const taken = tree
    .children('k8s/services')
    .map((service) => tree.read(`k8s/services/${service}/config.env`, 'utf-8') ?? '')
    .map((env) => Number(new RegExp(`^${variable}=(\\d+)$`, 'm').exec(env)?.[1] ?? 0));
  return Math.max(first - 1, ...taken) + 1;
}

/** The OpenTelemetry collector scrapes each service's METRICS_PORT in compose. */
function registerScrapeTarget(tree, n, metricsPort) {
  const file = 'deploy/otel/collector.yaml';
  const text = tree.read(file, 'utf-8');
  // Prettier moves a long list to the line after `targets:`.
  const targets = /^(\s*- targets:\s*\[)([^\]]*)\]/m;
  if (!targets.test(text))
    throw new Error(`${file}: no "- targets: [...]" line; add ${n.fileName}:${metricsPort} by hand`);
  tree.write(
    file,
    text.replace(targets, (_, head, list) => {
      // Prettier leaves a trailing comma in a list it broke over lines.
      const items = list.trimEnd().replace(/,$/, '');
      return `${head}${items}, '${n.fileName}:${metricsPort}']`;
    }),
  );
}

/** Inserts `line` after the last line matching `after`; throws when there is none (the file changed shape). */
function insertAfterLast(tree, file, after, line) {
  const text = tree.read(file, 'utf-8');
  const lines = text.split('\n');
  let at = -1;
  lines.forEach((candidate, index) => {
    if (after.test(candidate)) at = index;
  });
  if (at === -1) throw new Error(`${file}: found no line matching ${after}; add "${line.trim()}" by hand`);
  lines.splice(at + 1, 0, line);
  tree.write(file, lines.join('\n'));
}

function registerContract(tree, n) {
  insertAfterLast(
    tree,
    'libs/contracts/src/index.ts',
    /^export \* from '\.\/[a-z-]+';$/,
    `export * from './${n.fileName}';`,
  );
  // The NATS user's rights come from this declaration (npm run nats:auth).
  insertAfterLast(
    tree,
    'libs/contracts/src/services.ts',
    /^import \{ \w+Contract \} from '\.\/[a-z-]+';$/,
    `import { ${n.className}Contract } from './${n.fileName}';`,
  );
  insertAfterLast(
    tree,
    'libs/contracts/src/services.ts',
    /^\s*(defineService\(.*\)|\}\)),$/,
    `  defineService({ name: '${n.fileName}', handles: [${n.className}Contract] }),`,
  );
}

function registerKubernetes(tree, n) {
  insertAfterLast(
    tree,
    'k8s/base/kustomization.yaml',
    /^ {2}- \.\.\/services\//,
    `  - ../services/${n.fileName}`,
  );
  insertAfterLast(
    tree,
    'k8s/overlays/dev/kustomization.yaml',
    /^ {6}- NATS_[A-Z_]+_PASSWORD=/,
    `      - NATS_${n.constantName}_PASSWORD=dev-only-${n.fileName}-nats-password`,
  );
}

/** The production NATS server (official Helm chart) reads the new user's password from its environment. */
function registerHelmValues(tree, n) {
  const key = `NATS_${n.constantName}_PASSWORD`;
  insertAfterLast(
    tree,
    'deploy/nats/helm-values.yaml',
    /^ {8}secretKeyRef: \{ name: nats-auth, key: NATS_[A-Z_]+_PASSWORD \}$/,
    [`    ${key}:`, '      valueFrom:', `        secretKeyRef: { name: nats-auth, key: ${key} }`].join('\n'),
  );
}

function registerCompose(tree, n, port, metricsPort) {
  const password = `\${NATS_${n.constantName}_PASSWORD:-dev-only-${n.fileName}-nats-password}`;
  insertAfterLast(
    tree,
    'docker-compose.yml',
    /^ {6}NATS_[A-Z_]+_PASSWORD: /,
    `      NATS_${n.constantName}_PASSWORD: ${password}`,
  );
  const block = [
    `  ${n.fileName}:`,
    '    <<: *service',
    '    build:',
    '      <<: *service-build',
    '      args:',
    `        SERVICE: ${n.fileName}`,
    `    image: conduit/${n.fileName}:\${CONDUIT_VERSION:-dev}`,
    '    environment:',
    '      <<: *service-env',
    `      OTEL_SERVICE_NAME: ${n.fileName}`,
    `      PORT: ${port}`,
    `      METRICS_PORT: ${metricsPort}`,
    '      SHUTDOWN_GRACE_MS: 25000',
    `      NATS_USER: ${n.fileName}`,
    `      NATS_PASSWORD: ${password}`,
    '    stop_grace_period: 35s',
    '    depends_on:',
    '      nats:',
    '        condition: service_healthy',
    '      otel-collector:',
    '        condition: service_started',
    '',
  ].join('\n');
  const compose = tree.read('docker-compose.yml', 'utf-8');
  const volumes = compose.indexOf('\nvolumes:\n');
  if (volumes === -1) throw new Error('docker-compose.yml: no top-level volumes: section to insert before');
  tree.write('docker-compose.yml', `${compose.slice(0, volumes + 1)}${block}\n${compose.slice(volumes + 1)}`);
}

/** @param {import('@nx/devkit').Tree} tree @param {{ name: string, port?: number, skipInstall?: boolean }} options */
async function serviceGenerator(tree, options) {
  const n = names(options.name);
  if (n.fileName !== options.name) throw new Error(`use a kebab-case name, e.g. ${n.fileName}`);
  if (tree.exists(`services/${n.fileName}`)) throw new Error(`services/${n.fileName} already exists`);
  const port = options.port ?? nextFreePort(tree, 'PORT', FIRST_PORT);
  const metricsPort = nextFreePort(tree, 'METRICS_PORT', FIRST_METRICS_PORT);
  const substitutions = { ...n, name: n.fileName, port, metricsPort, tmpl: '' };
  const files = path.join(__dirname, 'files');
  generateFiles(tree, path.join(files, 'service'), `services/${n.fileName}`, substitutions);
  generateFiles(tree, path.join(files, 'k8s'), `k8s/services/${n.fileName}`, substitutions);
  generateFiles(tree, path.join(files, 'contracts'), 'libs/contracts/src', substitutions);
  registerContract(tree, n);
  registerKubernetes(tree, n);
  registerCompose(tree, n, port, metricsPort);
  registerScrapeTarget(tree, n, metricsPort);
  registerHelmValues(tree, n);
  await formatFiles(tree);
  return () => {
    // The auth.conf is rendered from the contracts, so it needs the new declaration on disk first.
    renderAuthConf(tree.root);
    if (options.skipInstall) return;
    // Links the new workspace package and records it in the lock file.
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
      cwd: tree.root,
      stdio: 'inherit',
    });
  };
}

module.exports = serviceGenerator;
module.exports.default = serviceGenerator;
