import path from 'node:path';
import { CliUsageError, parseCliArgs, schemaForService, type CliCommand } from './cli-args';
import { ensureDatabase } from './database-admin';
import { applyMigrations, createMigration } from './migrations';
import { generatePrismaClient } from './prisma-generate';
import { findRepoRoot, listDataServices, servicePrismaDir } from './service-layout';

export async function runCli(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const command = parseCliArgs(argv);
  const repoRoot = findRepoRoot();
  await run(command, repoRoot, env);
}

async function run(command: CliCommand, repoRoot: string, env: NodeJS.ProcessEnv): Promise<void> {
  switch (command.kind) {
    case 'migrate-deploy': {
      const databaseUrl = requireDatabaseUrl(env);
      if ((await ensureDatabase(databaseUrl)).created) console.log('created database');
      for (const service of command.services) {
        const schema = schemaForService(service, command.services, env);
        const { applied } = await applyMigrations({
          prismaDir: servicePrismaDir(repoRoot, service),
          databaseUrl,
          schema,
        });
        console.log(
          applied.length === 0
            ? `${service} (schema ${schema}): up to date`
            : `${service} (schema ${schema}): applied ${applied.join(', ')}`,
        );
      }
      return;
    }
    case 'migrate-new': {
      const created = await createMigration({
        prismaDir: servicePrismaDir(repoRoot, command.service),
        name: command.name,
        databaseUrl: requireDatabaseUrl(env),
      });
      if (created === null) {
        console.error(`${command.service}: schema.prisma matches the migrations; nothing written`);
      } else {
        console.log(path.relative(repoRoot, created.file));
      }
      return;
    }
    case 'generate': {
      const services = command.services.length > 0 ? command.services : listDataServices(repoRoot);
      for (const service of services) {
        await generatePrismaClient({
          schemaPath: path.join(servicePrismaDir(repoRoot, service), 'schema.prisma'),
          stdio: 'inherit',
        });
      }
      return;
    }
  }
}

function requireDatabaseUrl(env: NodeJS.ProcessEnv): string {
  const url = env['DATABASE_URL'];
  if (url === undefined || url === '')
    throw new CliUsageError('DATABASE_URL is not set (e.g. postgresql://postgres@127.0.0.1:5432/conduit)');
  return url;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(error instanceof CliUsageError ? 2 : 1);
    },
  );
}
