/** Signing and checking must agree on these, so both read them from here. */
export const ACCESS_TOKEN_ALGORITHM = 'HS256';

export interface AccessTokenClaims {
  sub: string;
  email: string;
}
