export interface DatabaseUrlParts {
  readonly url: URL;
  readonly database: string;
}

export function parseDatabaseUrl(databaseUrl: string): DatabaseUrlParts {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(
      `DATABASE_URL is not a valid URL (expected postgresql://user@host:5432/db): "${redactDatabaseUrl(databaseUrl)}"`,
    );
  }
  if (url.protocol !== 'postgresql:' && url.protocol !== 'postgres:') {
    throw new Error(`DATABASE_URL must start with postgresql:// or postgres://, got "${url.protocol}//..."`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') {
    throw new Error(`DATABASE_URL names no database: "${redactDatabaseUrl(databaseUrl)}"`);
  }
  return { url, database };
}

/** The same server and credentials, another database (used to reach `postgres` for CREATE DATABASE). */
export function withDatabase(databaseUrl: string, database: string): string {
  const { url } = parseDatabaseUrl(databaseUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

export function redactDatabaseUrl(databaseUrl: string): string {
  return databaseUrl.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
