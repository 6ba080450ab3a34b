/** Who a request acts for, whichever credential proved it. */
export interface Principal {
  userId: string;
  /** Set when the caller authenticated with an API key rather than an access token. */
  apiKeyId: string | null;
  email?: string;
}

/** Where the authentication guard leaves the principal on the HTTP request. */
export interface AuthenticatedRequest {
  principal?: Principal;
}
