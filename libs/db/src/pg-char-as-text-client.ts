import { Client } from 'pg';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

interface ResultWithFields {
  fields?: Array<{ dataTypeID: number }>;
}

type QueryFn = (this: Client, ...args: unknown[]) => unknown;

/**
 * A pg Client that reports Postgres' internal one-byte `"char"` columns as `text`.
 *
 * @prisma/adapter-pg 7.10 has no mapping for `"char"` (OID 18) and throws on it, but the schema
 * engine's introspection reads such catalog columns (`pg_constraint.contype`), so diffing against a
 * migrated shadow database fails with "Column type 'char' could not be deserialized". pg already
 * returns these values as strings; only the reported type needs changing.
 */
export class PgCharAsTextClient extends Client {}

const baseQuery = Client.prototype.query as unknown as QueryFn;

function retype<T>(result: T): T {
  for (const part of Array.isArray(result) ? result : [result]) {
    for (const field of (part as ResultWithFields | undefined)?.fields ?? []) {
      if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
    }
  }
  return result;
}

(PgCharAsTextClient.prototype as unknown as { query: QueryFn }).query = function query(
  this: Client,
  ...args: unknown[]
) {
  // pg-pool calls query with a callback; adapter-pg on a checked-out client uses the promise form.
  const callbackIndex = args.findIndex((arg) => typeof arg === 'function');
  if (callbackIndex >= 0) {
    const callback = args[callbackIndex] as (error: unknown, result: unknown) => void;
    args[callbackIndex] = (error: unknown, result: unknown) =>
      callback(error, error ? result : retype(result));
    return baseQuery.apply(this, args);
  }
  const returned = baseQuery.apply(this, args);
  return returned instanceof Promise ? returned.then(retype) : returned;
};
