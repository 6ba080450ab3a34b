/**
 * Whose secrets these are: a service's own master key variables and a name bound into every data key and
 * secret it seals, so a ciphertext of one service never opens in another's.
 */
export interface SecretsDomain {
  /** Names the variables: `AGENTS` reads AGENTS_MASTER_KEY, AGENTS_MASTER_KEY_ID, ... */
  readonly envPrefix: string;
  /** Authenticated with each data key and secret (`agents`, `health-data`); never change it once used. */
  readonly name: string;
}
