/** The token from an `Authorization: Bearer <token>` header, or null when there is none. */
export function bearerTokenFrom(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') return null;
  const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization);
  return match?.[1] ?? null;
}
