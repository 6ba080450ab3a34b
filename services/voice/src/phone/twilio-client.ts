import twilio from 'twilio';
import type SdkRequestClient from 'twilio/lib/base/RequestClient';

/**
 * Sends the SDK's requests to another origin than Twilio's (a local stand-in speaking the same API),
 * path and query unchanged.
 */
class OriginRequestClient extends twilio.RequestClient {
  constructor(
    private readonly origin: URL,
    options: ConstructorParameters<typeof twilio.RequestClient>[0],
  ) {
    super(options);
  }

  override request<TData>(opts: SdkRequestClient.RequestOptions<TData>) {
    const uri = new URL(opts.uri);
    uri.protocol = this.origin.protocol;
    uri.host = this.origin.host;
    return super.request<TData>({ ...opts, uri: uri.href });
  }
}

export interface TwilioClientOptions {
  accountSid: string;
  authToken: string;
  /** Twilio's API origin unless set. */
  apiBaseUrl?: string;
  timeoutMs: number;
}

/** The official SDK's client, without retries (a placed call must not be placed twice). */
export function createTwilioClient(options: TwilioClientOptions): twilio.Twilio {
  const requestOptions = { timeout: options.timeoutMs, autoRetry: false };
  const httpClient = options.apiBaseUrl
    ? new OriginRequestClient(new URL(options.apiBaseUrl), requestOptions)
    : new twilio.RequestClient(requestOptions);
  return twilio(options.accountSid, options.authToken, { httpClient });
}
