export type CliCommand =
  | { readonly kind: 'migrate-deploy'; readonly services: string[] }
  | { readonly kind: 'migrate-new'; readonly service: string; readonly name: string }
  | { readonly kind: 'generate'; readonly services: string[] };

export const USAGE = `Usage:
  migrate deploy <service...>     apply pending migrations (DATABASE_URL; schema = DATABASE_SCHEMA or the service name)
  migrate new <service> <name>    write services/<service>/prisma/migrations/<timestamp>_<name>/migration.sql
  generate [service...]           prisma generate for the given services, or every service with a prisma/schema.prisma`;

export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

export function parseCliArgs(argv: readonly string[]): CliCommand {
  const [command, ...rest] = argv;
  if (command === 'generate') return { kind: 'generate', services: rest };
  if (command === 'migrate') {
    const [action, ...args] = rest;
    if (action === 'deploy' && args.length > 0) return { kind: 'migrate-deploy', services: args };
    const [service, name, ...extra] = args;
    if (action === 'new' && service !== undefined && name !== undefined && extra.length === 0) {
      return { kind: 'migrate-new', service, name };
    }
  }
  throw new CliUsageError(USAGE);
}

/** DATABASE_SCHEMA names one schema, so it only makes sense when one service is migrated. */
export function schemaForService(
  service: string,
  services: readonly string[],
  env: NodeJS.ProcessEnv,
): string {
  const configured = env['DATABASE_SCHEMA'];
  if (configured === undefined || configured === '') return service;
  if (services.length > 1) {
    throw new CliUsageError(
      'DATABASE_SCHEMA is set but several services were given; migrate them one at a time.',
    );
  }
  return configured;
}
