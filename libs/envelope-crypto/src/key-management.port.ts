/** A data key as stored: encrypted by a master key, and which one (so master keys can be rotated). */
export interface WrappedDataKey {
  readonly masterKeyId: string;
  readonly wrapped: Buffer;
}

/**
 * Where master keys live and are used. The env adapter keeps them in the process; a KMS adapter (AWS KMS
 * Encrypt/Decrypt with an encryption context, Vault transit, GCP KMS) would never let them out of the KMS.
 * `context` is authenticated with the key (the user it belongs to): unwrapping with another context fails.
 */
export interface KeyManagementPort {
  /** The master key new data keys are wrapped with. */
  readonly currentKeyId: string;
  wrap(dataKey: Buffer, context: string): Promise<WrappedDataKey>;
  /** Fails for an unknown master key id, an altered key or another context. */
  unwrap(key: WrappedDataKey, context: string): Promise<Buffer>;
}

export const KEY_MANAGEMENT = Symbol('KeyManagementPort');
