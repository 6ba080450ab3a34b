import { parseDatabaseUrl, redactDatabaseUrl, withDatabase } from './database-url';

describe('database URLs', () => {
  it('reads the database name', () => {
    expect(parseDatabaseUrl('postgresql://u:p@db:5432/conduit%20dev?sslmode=disable').database).toBe(
      'conduit dev',
    );
  });

  it.each([
    ['not a url', 'is not a valid URL'],
    ['mysql://u@h/db', 'must start with postgresql://'],
    ['postgresql://u@h:5432', 'names no database'],
  ])('rejects %s', (url, message) => {
    expect(() => parseDatabaseUrl(url)).toThrow(message);
  });

  it('swaps the database, keeping credentials and parameters', () => {
    expect(withDatabase('postgresql://u:p@h:5432/app?sslmode=disable', 'postgres')).toBe(
      'postgresql://u:p@h:5432/postgres?sslmode=disable',
    );
  });

  it('hides passwords', () => {
    expect(redactDatabaseUrl('postgresql://user:s3cret@h:5432/db')).toBe('postgresql://user:***@h:5432/db');
    expect(redactDatabaseUrl('postgresql://user@h/db')).toBe('postgresql://user@h/db');
  });
});
