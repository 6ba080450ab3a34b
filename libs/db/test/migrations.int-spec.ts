import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';
import { isolatedNamespace, testEnv } from '@conduit/testing';
import {
  applyMigrations,
  createMigration,
  createPrismaAdapter,
  DatabaseConnectionError,
  dropSchema,
  ensureDatabase,
  generatePrismaClient,
} from '../src';

// The generated client is only known at run time; this is the slice of it the test uses.
interface FixtureAuthor {
  id: string;
  name: string;
  role: 'ADMIN' | 'MEMBER';
  bio: string | null;
  posts: Array<{ title: string }>;
}
interface FixtureClient {
  author: {
    create(args: {
      data: {
        name: string;
        role?: 'ADMIN' | 'MEMBER';
        bio?: string;
        posts?: { create: Array<{ title: string }> };
      };
    }): Promise<{ id: string }>;
    findMany(args: { include: { posts: true }; orderBy: { name: 'asc' } }): Promise<FixtureAuthor[]>;
  };
  $disconnect(): Promise<void>;
}
type FixtureClientClass = new (options: { adapter: ReturnType<typeof createPrismaAdapter> }) => FixtureClient;

const FIXTURE = path.join(__dirname, 'fixtures/prisma');

describe('migrations against a real Postgres', () => {
  const { databaseUrl } = testEnv();
  const ns = isolatedNamespace('dbmigrations');
  // A hyphen, as in the health-data service's default schema, must survive quoting everywhere.
  const schemas = [ns.schemaFor('a'), `t_${ns.id}-b`] as const;
  const workDir = path.join(__dirname, '../tmp', ns.id);
  const prismaDir = path.join(workDir, 'prisma');
  const clients: FixtureClient[] = [];

  beforeAll(async () => {
    await ensureDatabase(databaseUrl);
    await mkdir(workDir, { recursive: true });
    await cp(FIXTURE, prismaDir, { recursive: true });
  });

  afterAll(async () => {
    await Promise.all(clients.map((client) => client.$disconnect()));
    for (const schema of schemas) await dropSchema(databaseUrl, schema);
    await rm(workDir, { recursive: true, force: true });
  });

  let initFolder = '';
  let bioFolder = '';

  it('creates the first migration from an empty history, with no schema in the SQL', async () => {
    const created = await createMigration({ prismaDir, name: 'init', databaseUrl });

    expect(created?.folder).toMatch(/^\d{14}_init$/);
    initFolder = created?.folder ?? '';
    const sql = await readFile(path.join(prismaDir, 'migrations', initFolder, 'migration.sql'), 'utf8');
    expect(sql).toBe(created?.sql);
    expect(sql).toContain(`CREATE TYPE "Role" AS ENUM ('ADMIN', 'MEMBER');`);
    expect(sql).toContain('CREATE TABLE "Author"');
    expect(sql).toContain('ALTER TABLE "Post" ADD CONSTRAINT "Post_authorId_fkey"');
    expect(sql).not.toMatch(/CREATE SCHEMA|"public"\.|search_path/);
    expect(await readFile(path.join(prismaDir, 'migrations/migration_lock.toml'), 'utf8')).toContain(
      'provider = "postgresql"',
    );
  });

  it('writes nothing when schema.prisma matches the migrations', async () => {
    expect(await createMigration({ prismaDir, name: 'noop', databaseUrl })).toBeNull();
    expect(await migrationFolders()).toEqual([initFolder]);
  });

  it('applies into two fresh schemas, then again as a no-op', async () => {
    for (const schema of schemas) {
      expect(await applyMigrations({ prismaDir, databaseUrl, schema })).toEqual({ applied: [initFolder] });
    }
    for (const schema of schemas) {
      expect(await applyMigrations({ prismaDir, databaseUrl, schema })).toEqual({ applied: [] });
      expect(await tablesIn(schema)).toEqual(['Author', 'Post', '_prisma_migrations']);
    }
  });

  it('diffs a changed schema against the existing migrations (shadow database) and applies only that', async () => {
    const schemaFile = path.join(prismaDir, 'schema.prisma');
    const original = await readFile(schemaFile, 'utf8');
    await writeFile(
      schemaFile,
      original.replace('  name      String\n', '  name      String\n  bio       String?\n'),
    );

    const created = await createMigration({ prismaDir, name: 'Add author bio', databaseUrl });

    expect(created?.folder).toMatch(/^\d{14}_add_author_bio$/);
    bioFolder = created?.folder ?? '';
    expect(bioFolder > initFolder).toBe(true);
    expect(created?.sql).toContain('ALTER TABLE "Author" ADD COLUMN     "bio" TEXT;');
    // Hand edits are normal; a `;` inside a literal must not split the statement.
    await writeFile(
      created?.file ?? '',
      `${created?.sql}\nCOMMENT ON TABLE "Author" IS 'writers; and editors';\n`,
    );

    for (const schema of schemas) {
      expect(await applyMigrations({ prismaDir, databaseUrl, schema })).toEqual({ applied: [bioFolder] });
      expect(await applyMigrations({ prismaDir, databaseUrl, schema })).toEqual({ applied: [] });
      expect(await recordedMigrations(schema)).toEqual([initFolder, bioFolder]);
    }
    expect(await createMigration({ prismaDir, name: 'noop', databaseUrl })).toBeNull();
    // The replay runs in a throwaway database, never in the one DATABASE_URL names.
    expect(await tablesIn('public')).not.toContain('Author');
  });

  // `prisma generate` spawns the Prisma CLI: allow more than the default 5 s on a slow machine.
  it('reads and writes each schema through a generated client and createPrismaAdapter', async () => {
    await generatePrismaClient({ schemaPath: path.join(prismaDir, 'schema.prisma') });
    const { PrismaClient } = (await import(path.join(workDir, 'generated/client'))) as {
      PrismaClient: FixtureClientClass;
    };
    const [a, b] = schemas.map((schema) => {
      const client = new PrismaClient({ adapter: createPrismaAdapter({ databaseUrl, schema, poolSize: 2 }) });
      clients.push(client);
      return client;
    }) as [FixtureClient, FixtureClient];

    await a.author.create({ data: { name: 'Ada', role: 'ADMIN', posts: { create: [{ title: 'Notes' }] } } });
    await b.author.create({
      data: { name: 'Grace', bio: 'compilers', posts: { create: [{ title: 'COBOL' }] } },
    });

    expect(await a.author.findMany({ include: { posts: true }, orderBy: { name: 'asc' } })).toEqual([
      expect.objectContaining({
        name: 'Ada',
        role: 'ADMIN',
        bio: null,
        posts: [expect.objectContaining({ title: 'Notes' })],
      }),
    ]);
    expect(await b.author.findMany({ include: { posts: true }, orderBy: { name: 'asc' } })).toEqual([
      expect.objectContaining({
        name: 'Grace',
        role: 'MEMBER',
        bio: 'compilers',
        posts: [expect.objectContaining({ title: 'COBOL' })],
      }),
    ]);
    for (const schema of schemas) expect(await count(schema, 'Author')).toBe(1);
  }, 30_000);

  describe('a bad DATABASE_URL fails fast with a clear error', () => {
    const apply = (url: string, connectTimeoutMs?: number) =>
      applyMigrations({ prismaDir, databaseUrl: url, schema: schemas[0], connectTimeoutMs });

    it('rejects a malformed URL', async () => {
      await expect(apply('not a url')).rejects.toThrow(/DATABASE_URL is not a valid URL/);
    });

    it('reports a refused connection', async () => {
      const error = await apply('postgresql://postgres@127.0.0.1:1/conduit_test').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect((error as Error).message).toBe(
        'Cannot connect to Postgres at postgresql://postgres@127.0.0.1:1/conduit_test: connection refused (is the server running and is the port right?)',
      );
    });

    it('hides the password and names a missing database', async () => {
      const url = withPath(databaseUrl, `/missing_${ns.id}`, 'secret');
      const error = await apply(url).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseConnectionError);
      expect((error as Error).message).toMatch(new RegExp(`database "missing_${ns.id}" does not exist`));
      expect((error as Error).message).not.toContain('secret');
    });

    it('gives up on a server that accepts the connection but never answers', async () => {
      const sockets: Socket[] = [];
      const silent = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as AddressInfo;
      try {
        await expect(apply(`postgresql://postgres@127.0.0.1:${port}/conduit_test`, 500)).rejects.toThrow(
          `Cannot connect to Postgres at postgresql://postgres@127.0.0.1:${port}/conduit_test: no answer within 500 ms`,
        );
      } finally {
        sockets.forEach((socket) => socket.destroy());
        await new Promise((resolve) => silent.close(resolve));
      }
    });
  });

  async function migrationFolders(): Promise<string[]> {
    const entries = await readdir(path.join(prismaDir, 'migrations'), { withFileTypes: true });
    return entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
  }

  async function query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async function tablesIn(schema: string): Promise<string[]> {
    const rows = await query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name',
      [schema],
    );
    return rows.map((row) => row.table_name);
  }

  async function recordedMigrations(schema: string): Promise<string[]> {
    const rows = await query<{ migration_name: string }>(
      `SELECT migration_name FROM "${schema}"._prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL ORDER BY migration_name`,
    );
    return rows.map((row) => row.migration_name);
  }

  async function count(schema: string, table: string): Promise<number> {
    const rows = await query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}"."${table}"`);
    return rows[0]?.n ?? -1;
  }
});

function withPath(databaseUrl: string, pathname: string, password: string): string {
  const url = new URL(databaseUrl);
  url.pathname = pathname;
  url.password = password;
  return url.toString();
}
