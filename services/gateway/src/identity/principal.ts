/** Who a request acts for, whichever credential proved it. */
export interface Principal {
  userId: string;
  /** Set when the caller authenticated with an API key rather than an access token. */
  apiKeyId: string | null;
  email?: string;
  /** When the credential stops being valid (epoch ms), for credentials that expire (access tokens). */
  expiresAt?: number;
}

/** Where the authentication guard leaves the principal on the HTTP request. */
export interface AuthenticatedRequest {
  principal?: Principal;
}
