/** A provider's API refused or failed a call (after the one retry a 401 gets with a refreshed token). */
export class ProviderApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ProviderApiError';
  }
}

/** The user's access token for a connection: `fresh` refreshes it first, whatever its expiry says. */
export type AccessTokenSource = (options: { fresh: boolean }) => Promise<string>;

export interface ProviderApiOptions {
  readonly baseUrl: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly token: AccessTokenSource;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

export interface ApiRequest {
  readonly method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the base URL; segments the caller took from input must be encoded by it. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  readonly body?: unknown;
}

/**
 * JSON calls to a provider's API with the user's bearer token. A 401 means the token is no longer good
 * (revoked, expired early): the call is made once more with a refreshed token, and no more.
 */
export class ProviderApi {
  constructor(private readonly options: ProviderApiOptions) {}

  async json(request: ApiRequest): Promise<unknown> {
    let response = await this.send(request, await this.options.token({ fresh: false }));
    if (response.status === 401) {
      await response.body?.cancel();
      response = await this.send(request, await this.options.token({ fresh: true }));
    }
    if (!response.ok) {
      const text = (await response.text()).slice(0, 300);
      throw new ProviderApiError(response.status, `${response.status} from the provider: ${messageOf(text)}`);
    }
    if (response.status === 204) return null;
    return response.json();
  }

  private send(request: ApiRequest, accessToken: string): Promise<Response> {
    const url = new URL(this.options.baseUrl.replace(/\/?$/, '/') + request.path.replace(/^\//, ''));
    for (const [name, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    return fetch(url, {
      method: request.method ?? 'GET',
      headers: {
        ...this.options.headers,
        authorization: `Bearer ${accessToken}`,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
      signal: this.options.signal ? AbortSignal.any([this.options.signal, timeout]) : timeout,
    });
  }
}

/** The `message` of a JSON error body (GitHub's, Google's `error.message`), else the text. */
function messageOf(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } | unknown };
    if (typeof body.message === 'string') return body.message;
    const nested = (body.error as { message?: unknown } | undefined)?.message;
    if (typeof nested === 'string') return nested;
  } catch {
    // not JSON: the text itself
  }
  return text;
}
