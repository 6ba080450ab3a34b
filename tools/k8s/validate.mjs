#!/usr/bin/env node
// @ts-check
/**
 * Renders every kustomize overlay (k8s/overlays/*) and template (k8s/examples/*) and validates each
 * object offline; exits non-zero when anything is wrong.
 *
 *   npm run k8s:validate                     # everything
 *   npm run k8s:validate -- k8s/overlays/dev # one or more kustomization folders
 *
 * Checks, per object:
 *  1. the Kubernetes API schema (types, required fields, enums, formats) with `kubernetes-models`;
 *  2. no unknown fields (a misspelt `readinesProbe` passes the schema and is dropped by the API server):
 *     the object is type-checked as a TypeScript object literal against the kubernetes-models type;
 *  3. custom resources (KEDA ScaledObject, External Secrets ExternalSecret) against hand-written
 *     structural schemas of the fields we use (their CRDs are not in kubernetes-models);
 *  4. Conduit's own rules: hardened, probed, resourced service Deployments whose grace period covers
 *     preStop + SHUTDOWN_GRACE_MS, a PDB and an autoscaler per service, references (ConfigMaps,
 *     Secrets, Services, scale targets) that resolve, default-deny NetworkPolicy, release image tags.
 *
 * Rendering needs `kubectl` (built-in kustomize) or a standalone `kustomize` on PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const require = createRequire(import.meta.url);

/** Overlays that must take every Secret from a secret store (ExternalSecret), never from the repo. */
const EXTERNAL_SECRETS_ONLY = new Set(['k8s/overlays/prod']);

// ------------------------------------------------------------------------------------------------
// Rendering

/** @returns {(dir: string) => string} */
function findRenderer() {
  const kubectl = spawnSync('kubectl', ['kustomize', '--help'], { encoding: 'utf8' });
  if (!kubectl.error && kubectl.status === 0) return (dir) => run('kubectl', ['kustomize', dir]);
  const kustomize = spawnSync('kustomize', ['version'], { encoding: 'utf8' });
  if (!kustomize.error && kustomize.status === 0) return (dir) => run('kustomize', ['build', dir]);
  console.error(
    'k8s:validate needs kubectl (with its built-in kustomize, v1.14+) or kustomize on PATH to render the\n' +
      'overlays; neither was found. Install kubectl (https://kubernetes.io/docs/tasks/tools/) and rerun.',
  );
  process.exit(2);
}

/** @param {string} command @param {string[]} args */
function run(command, args) {
  const result = spawnSync(command, args, { cwd: repoRoot, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr || result.stdout}`);
  return result.stdout;
}

/** @param {string} folder */
function kustomizationsIn(folder) {
  const dir = path.join(repoRoot, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'kustomization.yaml')))
    .map((e) => `${folder}/${e.name}`)
    .sort();
}

// ------------------------------------------------------------------------------------------------
// Types and helpers

/** @typedef {Record<string, any>} K8sObject */
/** @typedef {{ target: string, objects: K8sObject[], errors: string[], notes: Set<string> }} Render */

/** @param {K8sObject} o */
const idOf = (o) => `${o?.kind ?? '?'}/${o?.metadata?.name ?? '?'}`;

/** @param {string} apiVersion */
function splitApiVersion(apiVersion) {
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** @param {string} apiVersion @param {string} kind */
function modelSpecifier(apiVersion, kind) {
  const { group, version } = splitApiVersion(apiVersion);
  return group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
}

/** @type {Map<string, Promise<any>>} */
const modelCache = new Map();
/** @param {string} apiVersion @param {string} kind */
function loadModel(apiVersion, kind) {
  const specifier = modelSpecifier(apiVersion, kind);
  if (!modelCache.has(specifier)) {
    modelCache.set(
      specifier,
      import(specifier).then(
        (mod) => mod[kind],
        (error) => {
          if (error?.code === 'ERR_PACKAGE_PATH_NOT_EXPORTED' || error?.code === 'ERR_MODULE_NOT_FOUND')
            return undefined;
          throw error;
        },
      ),
    );
  }
  return /** @type {Promise<any>} */ (modelCache.get(specifier));
}

// ------------------------------------------------------------------------------------------------
// 1. Kubernetes API schemas

/** @param {Render} render */
async function validateSchemas(render) {
  for (const object of render.objects) {
    const id = idOf(object);
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      render.errors.push(`${id}: apiVersion and kind must be strings`);
      continue;
    }
    const custom = CUSTOM_RESOURCES[`${object.apiVersion}/${object.kind}`];
    if (custom) {
      /** @type {string[]} */
      const problems = [];
      checkShape(object, custom, '', problems);
      render.errors.push(...problems.map((p) => `${id}: ${p}`));
      render.notes.add(
        `${object.kind} (${object.apiVersion}) checked against a structural schema, not its CRD`,
      );
      continue;
    }
    const Model = await loadModel(object.apiVersion, object.kind);
    if (!Model) {
      render.errors.push(
        `${id}: no API schema for ${object.apiVersion} ${object.kind} (unknown kind, or a CRD without a schema in tools/k8s/validate.mjs)`,
      );
      continue;
    }
    try {
      new Model(forSchema(object)).validate();
    } catch (error) {
      const details = /** @type {any} */ (error).errors;
      const messages = Array.isArray(details)
        ? details.map((d) => `${d.instancePath || '/'} ${d.message}`)
        : [String(/** @type {Error} */ (error).message)];
      for (const message of new Set(messages)) render.errors.push(`${id}: ${message}`);
    }
    checkMetadata(object, render.errors);
  }
}

/**
 * What the API server decodes: kustomize wraps long base64 values of Secrets at 70 columns, and the
 * server's decoder (Go's base64) skips newlines, whereas the schema's "byte" format does not.
 * @param {K8sObject} object
 */
function forSchema(object) {
  if (object.kind !== 'Secret' || !object.data) return object;
  const data = Object.fromEntries(
    Object.entries(object.data).map(([k, v]) => [k, typeof v === 'string' ? v.replace(/[\r\n]/g, '') : v]),
  );
  return { ...object, data };
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const KINDS_NAMED_BY_DNS_LABEL = new Set(['Namespace', 'Service']);

/** Name and label syntax, which the OpenAPI schemas do not express. @param {K8sObject} o @param {string[]} errors */
function checkMetadata(o, errors) {
  const name = o.metadata?.name;
  const id = idOf(o);
  if (typeof name !== 'string' || name === '') {
    errors.push(`${id}: metadata.name is required`);
    return;
  }
  const dnsLabel = KINDS_NAMED_BY_DNS_LABEL.has(o.kind);
  if (!(dnsLabel ? DNS_LABEL : DNS_SUBDOMAIN).test(name) || name.length > (dnsLabel ? 63 : 253)) {
    errors.push(`${id}: metadata.name is not a valid DNS-1123 ${dnsLabel ? 'label' : 'subdomain'}`);
  }
  if (o.kind === 'Job' && name.length > 63)
    errors.push(`${id}: a Job name longer than 63 characters cannot be its pods' job-name label`);
  const labelSets = [
    ['metadata.labels', o.metadata?.labels],
    ['spec.template.metadata.labels', o.spec?.template?.metadata?.labels],
  ];
  for (const [where, labels] of labelSets) {
    for (const [key, value] of Object.entries(labels ?? {})) {
      const [prefix, keyName] = key.includes('/') ? key.split('/', 2) : ['', key];
      if (
        (prefix && !DNS_SUBDOMAIN.test(prefix)) ||
        !LABEL_NAME.test(keyName ?? '') ||
        (keyName ?? '').length > 63
      ) {
        errors.push(`${id}: ${where} key "${key}" is not a valid label key`);
      }
      if (typeof value !== 'string' || !LABEL_VALUE.test(value) || value.length > 63) {
        errors.push(`${id}: ${where}["${key}"] = ${JSON.stringify(value)} is not a valid label value`);
      }
    }
  }
}

// ------------------------------------------------------------------------------------------------
// 2. Unknown fields, via TypeScript's excess-property check against the kubernetes-models types

/** @param {Render[]} renders */
function validateKnownFields(renders) {
  /** @type {typeof import('typescript')} */
  let ts;
  try {
    ts = require('typescript');
  } catch {
    for (const r of renders)
      r.notes.add('unknown-field check skipped: the typescript package is not installed');
    return;
  }
  const file = path.join(repoRoot, 'tools', 'k8s', '__rendered_objects__.mts');
  /** @type {{ render: Render, object: K8sObject, line: number }[]} */
  const entries = [];
  const imports = new Map();
  const lines = [];
  for (const render of renders) {
    for (const object of render.objects) {
      if (CUSTOM_RESOURCES[`${object.apiVersion}/${object.kind}`] || !object.kind) continue;
      const specifier = modelSpecifier(object.apiVersion, object.kind);
      if (!existsSync(path.join(repoRoot, 'node_modules', specifier + '.d.ts'))) continue; // reported in step 1
      if (!imports.has(specifier)) imports.set(specifier, `T${imports.size}`);
      entries.push({ render, object, line: lines.length });
      lines.push(`export const o${entries.length}: ${imports.get(specifier)} = ${JSON.stringify(object)};`);
    }
  }
  const header = [...imports].map(([specifier, alias]) => {
    const kind = specifier.slice(specifier.lastIndexOf('/') + 1);
    return `import type { I${kind} as ${alias} } from ${JSON.stringify(specifier)};`;
  });
  const source = [...header, ...lines].join('\n');
  const options = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, languageVersion, ...rest) =>
    path.resolve(name) === file
      ? ts.createSourceFile(name, source, languageVersion, true)
      : getSourceFile.call(host, name, languageVersion, ...rest);
  host.fileExists = (name) => path.resolve(name) === file || fileExists.call(host, name);
  host.readFile = (name) => (path.resolve(name) === file ? source : readFile.call(host, name));
  const program = ts.createProgram([file], options, host);
  for (const diagnostic of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    if (
      diagnostic.file &&
      path.resolve(diagnostic.file.fileName) === file &&
      diagnostic.start !== undefined
    ) {
      const line = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start).line - header.length;
      const entry = entries.find((e) => e.line === line);
      if (entry) {
        const at = source.slice(diagnostic.start, diagnostic.start + Math.min(diagnostic.length ?? 0, 60));
        entry.render.errors.push(`${idOf(entry.object)}: ${at ? `at ${at}: ` : ''}${firstLine(message)}`);
        continue;
      }
    }
    for (const render of renders) render.errors.push(`unknown-field check: ${firstLine(message)}`);
  }
}

/** The most specific line of a TypeScript message chain ("'x' does not exist in type 'IContainer'"). @param {string} message */
function firstLine(message) {
  const parts = message
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean);
  return parts.find((p) => p.includes('does not exist in type')) ?? parts[parts.length - 1] ?? message;
}

// ------------------------------------------------------------------------------------------------
// 3. Custom resources: structural schemas of what we use

/**
 * @typedef {{ type: 'string', enum?: string[], pattern?: RegExp }
 *   | { type: 'integer', minimum?: number }
 *   | { type: 'boolean' }
 *   | { type: 'any' }
 *   | { type: 'array', items: Shape, minItems?: number }
 *   | { type: 'object', properties?: Record<string, Shape>, required?: string[], additional?: Shape | false }} Shape
 */

/** @type {Shape} */ const str = { type: 'string' };
/** @type {Shape} */ const int0 = { type: 'integer', minimum: 0 };
/** @type {Shape} */ const anything = { type: 'any' };
/** @type {Shape} */
const objectMeta = {
  type: 'object',
  required: ['name'],
  properties: {
    name: str,
    namespace: str,
    labels: { type: 'object', additional: str },
    annotations: { type: 'object', additional: str },
  },
};

/** @type {Record<string, Shape>} keyed by `${apiVersion}/${kind}` */
const CUSTOM_RESOURCES = {
  // https://keda.sh/docs/2.17/reference/scaledobject-spec/
  'keda.sh/v1alpha1/ScaledObject': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: str,
      kind: str,
      metadata: objectMeta,
      spec: {
        type: 'object',
        required: ['scaleTargetRef', 'triggers'],
        properties: {
          scaleTargetRef: {
            type: 'object',
            required: ['name'],
            properties: { apiVersion: str, kind: str, name: str, envSourceContainerName: str },
          },
          pollingInterval: int0,
          cooldownPeriod: int0,
          initialCooldownPeriod: int0,
          idleReplicaCount: int0,
          minReplicaCount: int0,
          maxReplicaCount: int0,
          fallback: {
            type: 'object',
            required: ['failureThreshold', 'replicas'],
            properties: { failureThreshold: int0, replicas: int0, behavior: str },
          },
          advanced: {
            type: 'object',
            properties: {
              restoreToOriginalReplicaCount: { type: 'boolean' },
              horizontalPodAutoscalerConfig: {
                type: 'object',
                properties: { name: str, behavior: anything },
              },
              scalingModifiers: anything,
            },
          },
          triggers: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['type', 'metadata'],
              properties: {
                type: str,
                name: str,
                metricType: { type: 'string', enum: ['AverageValue', 'Value', 'Utilization'] },
                useCachedMetrics: { type: 'boolean' },
                metadata: { type: 'object', additional: str },
                authenticationRef: {
                  type: 'object',
                  required: ['name'],
                  properties: { name: str, kind: str },
                },
              },
            },
          },
        },
      },
    },
  },
  // https://external-secrets.io/latest/api/externalsecret/
  'external-secrets.io/v1/ExternalSecret': {
    type: 'object',
    required: ['apiVersion', 'kind', 'metadata', 'spec'],
    properties: {
      apiVersion: str,
      kind: str,
      metadata: objectMeta,
      spec: {
        type: 'object',
        required: ['secretStoreRef', 'target'],
        properties: {
          refreshInterval: { type: 'string', pattern: /^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/ },
          secretStoreRef: {
            type: 'object',
            required: ['name', 'kind'],
            properties: { name: str, kind: { type: 'string', enum: ['SecretStore', 'ClusterSecretStore'] } },
          },
          target: {
            type: 'object',
            required: ['name'],
            properties: {
              name: str,
              creationPolicy: { type: 'string', enum: ['Owner', 'Orphan', 'Merge', 'None'] },
              deletionPolicy: { type: 'string', enum: ['Delete', 'Merge', 'Retain'] },
              template: anything,
            },
          },
          data: {
            type: 'array',
            items: {
              type: 'object',
              required: ['secretKey', 'remoteRef'],
              properties: {
                secretKey: str,
                remoteRef: {
                  type: 'object',
                  required: ['key'],
                  properties: { key: str, property: str, version: str },
                },
              },
            },
          },
          dataFrom: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                extract: {
                  type: 'object',
                  required: ['key'],
                  properties: { key: str, property: str, version: str },
                },
                find: anything,
                rewrite: anything,
              },
            },
          },
        },
      },
    },
  },
};

/** @param {unknown} value @param {Shape} shape @param {string} at @param {string[]} problems */
function checkShape(value, shape, at, problems) {
  const where = at || '/';
  switch (shape.type) {
    case 'any':
      return;
    case 'string':
      if (typeof value !== 'string') return void problems.push(`${where} must be a string`);
      if (shape.enum && !shape.enum.includes(value))
        problems.push(`${where} must be one of ${shape.enum.join(', ')}`);
      if (shape.pattern && !shape.pattern.test(value)) problems.push(`${where} must match ${shape.pattern}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) return void problems.push(`${where} must be an integer`);
      if (shape.minimum !== undefined && /** @type {number} */ (value) < shape.minimum)
        problems.push(`${where} must be >= ${shape.minimum}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${where} must be a boolean`);
      return;
    case 'array':
      if (!Array.isArray(value)) return void problems.push(`${where} must be an array`);
      if (shape.minItems !== undefined && value.length < shape.minItems)
        problems.push(`${where} needs at least ${shape.minItems} item(s)`);
      value.forEach((item, i) => checkShape(item, shape.items, `${at}/${i}`, problems));
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        return void problems.push(`${where} must be an object`);
      const record = /** @type {Record<string, unknown>} */ (value);
      for (const key of shape.required ?? [])
        if (record[key] === undefined) problems.push(`${at}/${key} is required`);
      for (const [key, item] of Object.entries(record)) {
        const property = shape.properties?.[key];
        if (property) checkShape(item, property, `${at}/${key}`, problems);
        else if (shape.additional) checkShape(item, shape.additional, `${at}/${key}`, problems);
        else problems.push(`${at}/${key} is not a known field`);
      }
      return;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// 4. Conduit's rules

/** @param {Render} render */
function validateConduitRules(render) {
  const { objects, errors, target } = render;
  const isOverlay = target.startsWith('k8s/overlays/');
  /** @param {string} kind @param {string} name */
  const find = (kind, name) => objects.find((o) => o.kind === kind && o.metadata?.name === name);
  const externalSecretTargets = new Set(
    objects.filter((o) => o.kind === 'ExternalSecret').map((o) => o.spec?.target?.name ?? o.metadata?.name),
  );
  const secretExists = (/** @type {string} */ name) =>
    Boolean(find('Secret', name)) || externalSecretTargets.has(name);

  // Every reference from a pod template resolves within the render.
  for (const o of objects) {
    const pod = o.spec?.template?.spec ?? o.spec?.jobTemplate?.spec?.template?.spec;
    if (!pod) continue;
    const id = idOf(o);
    for (const c of [...(pod.containers ?? []), ...(pod.initContainers ?? [])]) {
      for (const source of c.envFrom ?? []) {
        if (
          source.configMapRef &&
          !source.configMapRef.optional &&
          !find('ConfigMap', source.configMapRef.name)
        )
          errors.push(`${id}: envFrom ConfigMap "${source.configMapRef.name}" is not in the render`);
        if (source.secretRef && !source.secretRef.optional && !secretExists(source.secretRef.name))
          errors.push(
            `${id}: envFrom Secret "${source.secretRef.name}" is neither in the render nor made by an ExternalSecret`,
          );
      }
      for (const env of c.env ?? []) {
        const cm = env.valueFrom?.configMapKeyRef;
        if (cm && !cm.optional) {
          const map = find('ConfigMap', cm.name);
          if (!map)
            errors.push(`${id}: env ${env.name} reads ConfigMap "${cm.name}", which is not in the render`);
          else if (!(cm.key in (map.data ?? {})))
            errors.push(`${id}: env ${env.name} reads key "${cm.key}" missing from ConfigMap "${cm.name}"`);
        }
        const secret = env.valueFrom?.secretKeyRef;
        if (secret && !secret.optional) {
          const s = find('Secret', secret.name);
          if (!s && !externalSecretTargets.has(secret.name))
            errors.push(`${id}: env ${env.name} reads Secret "${secret.name}", which nothing provides`);
          else if (s && !(secret.key in { ...(s.data ?? {}), ...(s.stringData ?? {}) }))
            errors.push(
              `${id}: env ${env.name} reads key "${secret.key}" missing from Secret "${secret.name}"`,
            );
        }
      }
      if (isOverlay && /:(latest|unreleased)$|^[^:]+$/.test(c.image ?? '')) {
        errors.push(
          `${id}: container ${c.name} image "${c.image}" has no release tag (is the release component included?)`,
        );
      }
    }
    for (const volume of pod.volumes ?? []) {
      if (volume.configMap && !volume.configMap.optional && !find('ConfigMap', volume.configMap.name))
        errors.push(
          `${id}: volume ${volume.name} mounts ConfigMap "${volume.configMap.name}", which is not in the render`,
        );
      if (volume.secret && !volume.secret.optional && !secretExists(volume.secret.secretName))
        errors.push(
          `${id}: volume ${volume.name} mounts Secret "${volume.secret.secretName}", which nothing provides`,
        );
    }
  }

  // Hardened, probed, resourced service Deployments, with a PDB and an autoscaler.
  for (const d of objects.filter(
    (o) => o.kind === 'Deployment' && o.metadata?.labels?.['app.kubernetes.io/component'] === 'service',
  )) {
    const id = idOf(d);
    const pod = d.spec?.template?.spec ?? {};
    const podLabels = d.spec?.template?.metadata?.labels ?? {};
    const app = (pod.containers ?? []).find((/** @type {any} */ c) => c.name === 'app');
    if (!app) {
      errors.push(`${id}: service Deployments run their process in a container named "app"`);
      continue;
    }
    const sc = app.securityContext ?? {};
    const podSc = pod.securityContext ?? {};
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) errors.push(`${id}: runAsNonRoot is not set`);
    if (sc.readOnlyRootFilesystem !== true) errors.push(`${id}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) errors.push(`${id}: allowPrivilegeEscalation is not false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) errors.push(`${id}: capabilities do not drop ALL`);
    if ((sc.seccompProfile ?? podSc.seccompProfile)?.type !== 'RuntimeDefault')
      errors.push(`${id}: seccompProfile is not RuntimeDefault`);
    const tmp = (app.volumeMounts ?? []).find((/** @type {any} */ m) => m.mountPath === '/tmp');
    if (!tmp || !(pod.volumes ?? []).some((/** @type {any} */ v) => v.name === tmp.name && v.emptyDir))
      errors.push(`${id}: /tmp is not an emptyDir mount`);
    for (const kind of ['requests', 'limits']) {
      for (const resource of ['cpu', 'memory']) {
        if (app.resources?.[kind]?.[resource] === undefined)
          errors.push(`${id}: resources.${kind}.${resource} is not set`);
      }
    }
    if (app.livenessProbe?.httpGet?.path !== '/healthz')
      errors.push(`${id}: livenessProbe is not GET /healthz`);
    if (app.readinessProbe?.httpGet?.path !== '/readyz')
      errors.push(`${id}: readinessProbe is not GET /readyz`);

    const env = resolveEnv(app, objects);
    // A service connects to NATS as its own user, with that user's password (deploy/nats/auth.conf).
    const natsUser = env.NATS_USER;
    const passwordKey = (app.env ?? []).find((/** @type {any} */ e) => e.name === 'NATS_PASSWORD')?.valueFrom
      ?.secretKeyRef?.key;
    if (natsUser && passwordKey && passwordKey !== natsPasswordKeyOf(natsUser))
      errors.push(
        `${id}: NATS_USER is "${natsUser}" but NATS_PASSWORD reads "${passwordKey}", not "${natsPasswordKeyOf(natsUser)}"`,
      );
    const graceMs = Number(env.SHUTDOWN_GRACE_MS);
    const preStop = app.lifecycle?.preStop?.exec?.command;
    const preStopMs =
      Array.isArray(preStop) && preStop[0] === 'sleep'
        ? Number(preStop[1]) * 1000
        : app.lifecycle?.preStop?.sleep?.seconds * 1000;
    if (!Number.isFinite(preStopMs))
      errors.push(`${id}: no preStop sleep (endpoints must be removed before SIGTERM)`);
    if (!Number.isFinite(graceMs)) {
      errors.push(`${id}: SHUTDOWN_GRACE_MS is not set in its env or ConfigMaps`);
    } else {
      const termination = (pod.terminationGracePeriodSeconds ?? 30) * 1000;
      const needed = graceMs + (Number.isFinite(preStopMs) ? preStopMs : 0);
      if (termination <= needed) {
        errors.push(
          `${id}: terminationGracePeriodSeconds (${termination / 1000}s) must exceed preStop + SHUTDOWN_GRACE_MS (${needed / 1000}s)`,
        );
      }
    }
    const port = (app.ports ?? []).find((/** @type {any} */ p) => p.name === 'http');
    if (!port) errors.push(`${id}: no container port named "http"`);
    else if (env.PORT !== undefined && Number(env.PORT) !== port.containerPort)
      errors.push(`${id}: PORT=${env.PORT} but the "http" port is ${port.containerPort}`);
    // /metrics is served on METRICS_PORT only, a port the ingress never routes: scrapes must go there.
    const metrics = (app.ports ?? []).find((/** @type {any} */ p) => p.name === 'metrics');
    const scrapePort = d.spec?.template?.metadata?.annotations?.['prometheus.io/port'];
    if (!metrics) errors.push(`${id}: no container port named "metrics" (METRICS_PORT)`);
    else if (env.METRICS_PORT !== undefined && Number(env.METRICS_PORT) !== metrics.containerPort)
      errors.push(
        `${id}: METRICS_PORT=${env.METRICS_PORT} but the "metrics" port is ${metrics.containerPort}`,
      );
    else if (scrapePort !== undefined && Number(scrapePort) !== metrics.containerPort)
      errors.push(
        `${id}: prometheus.io/port is ${scrapePort}, not the "metrics" port ${metrics.containerPort}`,
      );

    const selects = (/** @type {any} */ selector) =>
      selector &&
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => podLabels[k] === v) &&
      !selector.matchExpressions?.length;
    if (!objects.some((o) => o.kind === 'PodDisruptionBudget' && selects(o.spec?.selector)))
      errors.push(`${id}: no PodDisruptionBudget selects its pods`);
    const autoscaled = objects.some(
      (o) =>
        (o.kind === 'HorizontalPodAutoscaler' &&
          o.spec?.scaleTargetRef?.kind === 'Deployment' &&
          o.spec.scaleTargetRef.name === d.metadata.name) ||
        (o.kind === 'ScaledObject' &&
          (o.spec?.scaleTargetRef?.kind ?? 'Deployment') === 'Deployment' &&
          o.spec?.scaleTargetRef?.name === d.metadata.name),
    );
    if (!autoscaled)
      errors.push(`${id}: neither a HorizontalPodAutoscaler nor a KEDA ScaledObject scales it`);
  }

  // Scale targets, Service selectors and Ingress backends point at something real.
  for (const o of objects) {
    const id = idOf(o);
    if (o.kind === 'HorizontalPodAutoscaler' || o.kind === 'ScaledObject') {
      const ref = o.spec?.scaleTargetRef ?? {};
      if (!find(ref.kind ?? 'Deployment', ref.name))
        errors.push(`${id}: scale target ${ref.kind ?? 'Deployment'}/${ref.name} is not in the render`);
      const { minReplicas, maxReplicas } =
        o.kind === 'ScaledObject'
          ? { minReplicas: o.spec?.minReplicaCount ?? 0, maxReplicas: o.spec?.maxReplicaCount ?? 100 }
          : (o.spec ?? {});
      if (minReplicas > maxReplicas) errors.push(`${id}: min replicas above max replicas`);
    }
    if (o.kind === 'Service' && o.spec?.selector) {
      const matches = objects.some((w) => {
        const labels = w.spec?.template?.metadata?.labels;
        return labels && Object.entries(o.spec.selector).every(([k, v]) => labels[k] === v);
      });
      if (!matches) errors.push(`${id}: its selector matches no pod template`);
    }
    if (o.kind === 'Ingress') {
      for (const rule of o.spec?.rules ?? []) {
        for (const p of rule.http?.paths ?? []) {
          const backend = p.backend?.service;
          const service = backend && find('Service', backend.name);
          if (backend?.port?.name === 'metrics')
            errors.push(`${id}: routes the "metrics" port of "${backend.name}" to the outside`);
          if (!service) errors.push(`${id}: backend Service "${backend?.name}" is not in the render`);
          else if (
            backend.port?.name &&
            !(service.spec?.ports ?? []).some((/** @type {any} */ sp) => sp.name === backend.port.name)
          )
            errors.push(`${id}: Service "${backend.name}" has no port named "${backend.port.name}"`);
        }
      }
    }
  }

  if (isOverlay) {
    const namespaced = objects.filter(
      (o) => !['Namespace', 'ClusterRole', 'ClusterRoleBinding'].includes(o.kind),
    );
    for (const o of namespaced)
      if (!o.metadata?.namespace) errors.push(`${idOf(o)}: no namespace set by the overlay`);
    const namespaces = new Set(namespaced.map((o) => o.metadata?.namespace).filter(Boolean));
    for (const ns of namespaces) {
      const denyAll = objects.some(
        (o) =>
          o.kind === 'NetworkPolicy' &&
          o.metadata?.namespace === ns &&
          Object.keys(o.spec?.podSelector ?? { x: 1 }).length === 0 &&
          ['Ingress', 'Egress'].every((t) => (o.spec?.policyTypes ?? []).includes(t)) &&
          !o.spec?.ingress?.length &&
          !o.spec?.egress?.length,
      );
      if (!denyAll)
        errors.push(
          `namespace ${ns}: no default-deny NetworkPolicy (podSelector {}, Ingress and Egress, no rules)`,
        );
    }
    if (EXTERNAL_SECRETS_ONLY.has(target)) {
      for (const o of objects.filter((x) => x.kind === 'Secret'))
        errors.push(`${idOf(o)}: ${target} takes secrets from ExternalSecrets only`);
    }
  }
}

/** The key of a NATS user's password in the nats-auth Secret: natsPasswordVariable in libs/contracts/src/services.ts. */
const natsPasswordKeyOf = (/** @type {string} */ user) =>
  `NATS_${user.toUpperCase().replace(/-/g, '_')}_PASSWORD`;

/** The container's environment as far as it is known from the render (ConfigMaps, literal env). */
function resolveEnv(/** @type {any} */ container, /** @type {K8sObject[]} */ objects) {
  /** @type {Record<string, string>} */
  const env = {};
  for (const source of container.envFrom ?? []) {
    if (!source.configMapRef) continue;
    const map = objects.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === source.configMapRef.name);
    for (const [k, v] of Object.entries(map?.data ?? {})) env[(source.prefix ?? '') + k] = String(v);
  }
  for (const e of container.env ?? []) if (typeof e.value === 'string') env[e.name] = e.value;
  return env;
}

// ------------------------------------------------------------------------------------------------

async function main() {
  const args = process.argv
    .slice(2)
    .map((a) => path.relative(repoRoot, path.resolve(a)).split(path.sep).join('/'));
  const targets =
    args.length > 0 ? args : [...kustomizationsIn('k8s/overlays'), ...kustomizationsIn('k8s/examples')];
  if (targets.length === 0) {
    console.error('No kustomizations found under k8s/overlays or k8s/examples.');
    process.exit(1);
  }
  const render = findRenderer();
  /** @type {Render[]} */
  const renders = [];
  for (const target of targets) {
    /** @type {Render} */
    const r = { target, objects: [], errors: [], notes: new Set() };
    renders.push(r);
    let text;
    try {
      text = render(target);
    } catch (error) {
      r.errors.push(String(/** @type {Error} */ (error).message));
      continue;
    }
    for (const doc of parseAllDocuments(text)) {
      if (doc.errors.length > 0) r.errors.push(...doc.errors.map((e) => `YAML: ${e.message}`));
      const value = doc.toJS();
      if (value !== null && value !== undefined) r.objects.push(value);
    }
    if (r.objects.length === 0) r.errors.push('rendered no objects');
    const seen = new Set();
    for (const o of r.objects) {
      const key = `${o.apiVersion}/${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`;
      if (seen.has(key)) r.errors.push(`${idOf(o)}: rendered twice`);
      seen.add(key);
    }
    await validateSchemas(r);
    validateConduitRules(r);
  }
  validateKnownFields(renders.filter((r) => r.objects.length > 0));

  let failed = false;
  for (const r of renders) {
    const kinds = new Map();
    for (const o of r.objects) kinds.set(o.kind, (kinds.get(o.kind) ?? 0) + 1);
    const summary = [...kinds].map(([k, n]) => `${n} ${k}`).join(', ');
    if (r.errors.length === 0) {
      console.log(`ok   ${r.target}: ${r.objects.length} objects (${summary})`);
    } else {
      failed = true;
      console.log(`FAIL ${r.target}: ${r.errors.length} problem(s) in ${r.objects.length} objects`);
      for (const e of r.errors) console.log(`     - ${e}`);
    }
    for (const note of r.notes) console.log(`     note: ${note}`);
  }
  process.exit(failed ? 1 : 0);
}

await main();
