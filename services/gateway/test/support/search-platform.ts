import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateServiceSchema } from '@conduit/db';
import { startServiceProcess, testEnv, type ServiceProcess } from '@conduit/testing';
import type { GatewayConfig } from '../../src/config';
import { startTestGateway, type TestGateway } from './gateway-test-app';

export interface SearchPlatform {
  gateway: TestGateway;
  search(): ServiceProcess;
  /** Stops the search service (SIGTERM) and starts it again with `env` changes; its data stays. */
  restartSearch(env?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export interface SearchProcess {
  current(): ServiceProcess;
  /** Stops the search service (SIGTERM) and starts it again with `env` changes; its data stays. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Stops it and removes its schema and embedded store. */
  close(): Promise<void>;
}

/**
 * The search service as its own process (built `dist/`, as deployed) beside a test gateway, on the
 * gateway's namespace, with the embedded store in a temporary folder and the offline embedding.
 */
export async function startSearchProcess(
  gateway: TestGateway,
  env: Record<string, string> = {},
): Promise<SearchProcess> {
  const infra = testEnv();
  const schema = gateway.namespace.schemaFor('search');
  const { drop } = await migrateServiceSchema('search', infra.databaseUrl, schema);
  const dataDir = await mkdtemp(join(tmpdir(), 'conduit-search-'));
  const baseEnv = {
    NATS_URL: gateway.config.NATS_URL,
    NATS_SUBJECT_PREFIX: gateway.config.NATS_SUBJECT_PREFIX,
    DATABASE_URL: infra.databaseUrl,
    DATABASE_SCHEMA: schema,
    REDIS_URL: gateway.config.REDIS_URL,
    REDIS_KEY_PREFIX: gateway.config.REDIS_KEY_PREFIX,
    SEARCH_STORE: 'lancedb',
    SEARCH_LANCEDB_PATH: join(dataDir, 'lancedb'),
    SHUTDOWN_GRACE_MS: '10000',
    SEARCH_INDEX_RETRY_BASE_MS: '200',
    SEARCH_INDEX_ACK_WAIT_MS: '5000',
    ...env,
  };
  const cleanUp = async () => {
    await drop();
    await rm(dataDir, { recursive: true, force: true });
  };
  let search: ServiceProcess;
  try {
    search = await startServiceProcess('search', baseEnv);
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    current: () => search,
    restart: async (changes = {}) => {
      await search.stop();
      search = await startServiceProcess('search', { ...baseEnv, ...changes });
    },
    close: async () => {
      await search.stop();
      await cleanUp();
    },
  };
}

/** The gateway in-process and the search service as its own process, on one isolated namespace. */
export async function startSearchPlatform(
  env: Record<string, string> = {},
  gatewayConfig: Partial<GatewayConfig> = {},
): Promise<SearchPlatform> {
  const gateway = await startTestGateway(gatewayConfig);
  let search: SearchProcess;
  try {
    search = await startSearchProcess(gateway, env);
  } catch (error) {
    await gateway.close();
    throw error;
  }
  return {
    gateway,
    search: () => search.current(),
    restartSearch: (changes) => search.restart(changes),
    close: async () => {
      await search.close();
      await gateway.close();
    },
  };
}

/** PDF string literal escaping: backslash and parentheses. */
const pdfText = (text: string) => `(${text.replace(/[\\()]/g, (c) => `\\${c}`)})`;

/** A one-page PDF with the given lines in Helvetica and a correct cross-reference table. */
export function onePagePdf(lines: readonly string[]): Buffer {
  const content = `BT /F1 12 Tf 72 720 Td 14 TL ${lines.map((line) => `${pdfText(line)} '`).join(' ')} ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [4 0 R] /Count 1 >>',
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 5 0 R >>',
    `<< /Length ${Buffer.byteLength(content, 'latin1')} >>\nstream\n${content}\nendstream`,
  ];
  let pdf = '%PDF-1.4\n';
  const offsets = objects.map((object, i) => {
    const offset = Buffer.byteLength(pdf, 'latin1');
    pdf += `${i + 1} 0 obj\n${object}\nendobj\n`;
    return offset;
  });
  const xref = Buffer.byteLength(pdf, 'latin1');
  pdf += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  pdf += offsets.map((offset) => `${String(offset).padStart(10, '0')} 00000 n \n`).join('');
  pdf += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(pdf, 'latin1');
}
