import { randomBytes } from 'node:crypto';
import { sendJson, startFakeHttpServer, type FakeHttpServer } from './fake-http.server';

/** A call as the fake's Calls resource created it, with the form fields it was created from. */
export interface FakeTwilioCall {
  sid: string;
  to: string;
  from: string;
  /** Where Twilio would ask for TwiML once the callee answers. */
  url: string;
  method: string;
  params: URLSearchParams;
}

export interface FakeTwilioServer {
  /** Where TWILIO_API_BASE_URL points. */
  readonly url: string;
  readonly http: FakeHttpServer;
  readonly calls: FakeTwilioCall[];
  /** The next create answers this error instead (Twilio's error JSON: `code`, `message`, `status`). */
  failNext(status: number, code: number, message: string): void;
  close(): Promise<void>;
}

/**
 * Twilio's REST API as far as placing calls goes: `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`
 * (HTTP basic auth with the account SID and auth token, form body `To`, `From`, `Url`, `Method`...),
 * answering the Call resource JSON with status `queued`, or Twilio's error JSON (401 for wrong
 * credentials, 400 code 21201-style for a missing field).
 */
export async function startFakeTwilio(options: {
  accountSid: string;
  authToken: string;
}): Promise<FakeTwilioServer> {
  const calls: FakeTwilioCall[] = [];
  let failure: { status: number; code: number; message: string } | null = null;
  const expectedAuth = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  const error = (status: number, code: number, message: string) => ({
    code,
    message,
    more_info: `https://www.twilio.com/docs/errors/${code}`,
    status,
  });

  const http = await startFakeHttpServer((request, res) => {
    const path = `/2010-04-01/Accounts/${options.accountSid}/Calls.json`;
    if (request.method !== 'POST' || request.path !== path) {
      return sendJson(res, 404, error(404, 20404, 'The requested resource was not found'));
    }
    if (request.headers.authorization !== expectedAuth) {
      return sendJson(res, 401, error(401, 20003, 'Authenticate'));
    }
    if (failure) {
      const { status, code, message } = failure;
      failure = null;
      return sendJson(res, status, error(status, code, message));
    }
    const params = new URLSearchParams(request.body.toString('utf8'));
    const to = params.get('To');
    const from = params.get('From');
    const url = params.get('Url');
    if (!to || !from || !url) {
      return sendJson(res, 400, error(400, 21201, "A 'To', 'From' and 'Url' are required"));
    }
    const sid = `CA${randomBytes(16).toString('hex')}`;
    calls.push({ sid, to, from, url, method: params.get('Method') ?? 'POST', params });
    const now = new Date().toUTCString();
    sendJson(res, 201, {
      sid,
      account_sid: options.accountSid,
      to,
      to_formatted: to,
      from,
      from_formatted: from,
      status: 'queued',
      direction: 'outbound-api',
      date_created: now,
      date_updated: now,
      api_version: '2010-04-01',
      uri: `/2010-04-01/Accounts/${options.accountSid}/Calls/${sid}.json`,
    });
  });
  return {
    url: http.origin,
    http,
    calls,
    failNext: (status, code, message) => {
      failure = { status, code, message };
    },
    close: () => http.close(),
  };
}
