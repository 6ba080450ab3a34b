// Lower-case letters, digits, `_` and `-` (service names such as `health-data`), at most 63 bytes as
// Postgres allows. Restricting the alphabet keeps the name safe inside a libpq `options` string.
const SCHEMA_NAME = /^[a-z_][a-z0-9_-]{0,62}$/;

export function assertSchemaName(schema: string): string {
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(
      `Invalid Postgres schema name "${schema}": use lower-case letters, digits, "_" or "-", starting with a letter or "_" (max 63).`,
    );
  }
  return schema;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** libpq startup `options` that make every connection of a pool resolve unqualified names in `schema`. */
export function searchPathOption(schema: string): string {
  return `-c search_path=${quoteIdentifier(assertSchemaName(schema))}`;
}
