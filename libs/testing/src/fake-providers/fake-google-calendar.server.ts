import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { FakeOAuthAuthority, readRequestText, type FakeOAuthUser } from './fake-oauth-authority';
import { serveOnLoopback } from './loopback-http-server';

export interface FakeCalendarEvent {
  id: string;
  summary: string;
  description?: string;
  location?: string;
  start: { dateTime: string; timeZone?: string };
  end: { dateTime: string; timeZone?: string };
  htmlLink: string;
  status: 'confirmed';
}

export interface FakeGoogleCalendarServer {
  readonly url: string;
  /** Google's OAuth 2.0 endpoints and the Calendar API base, all on this server. */
  readonly endpoints: {
    readonly authorizationUrl: string;
    readonly tokenUrl: string;
    readonly revocationUrl: string;
    readonly calendarApiBaseUrl: string;
  };
  readonly oauth: FakeOAuthAuthority;
  /** Each user's events (by the account's address). */
  readonly events: Map<string, FakeCalendarEvent[]>;
  /** API calls answered 401 so far. */
  readonly unauthorizedCalls: () => number;
  close(): Promise<void>;
}

/**
 * Google's OAuth 2.0 (authorization, token and revoke endpoints as Google answers them: 400 with
 * `invalid_grant`, one-hour access tokens, refresh tokens that are not rotated) and the part of Calendar
 * API v3 the connector uses: the primary calendar, its events listed from `timeMin` in start order, and
 * event creation. Unauthenticated calls get Google's 401 body.
 */
export async function startFakeGoogleCalendar(options: {
  clientId: string;
  clientSecret: string;
}): Promise<FakeGoogleCalendarServer> {
  const oauth = new FakeOAuthAuthority({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    accessTokenTtlSeconds: 3599,
    issueRefreshTokens: true,
    rotateRefreshTokens: false,
    errorStatus: 400,
    badCodeError: 'invalid_grant',
    badRefreshError: 'invalid_grant',
    tokenPrefix: 'ya29.',
    scopeSeparator: ' ',
    tokenType: 'Bearer',
  });
  const events = new Map<string, FakeCalendarEvent[]>();
  let unauthorized = 0;

  const server = await serveOnLoopback(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/o/oauth2/v2/auth') {
      const answer = oauth.authorize(url);
      if (answer.location) res.writeHead(302, { location: answer.location }).end();
      else res.writeHead(answer.status, { 'content-type': 'text/plain' }).end(answer.text);
      return;
    }
    if (req.method === 'POST' && (path === '/token' || path === '/revoke')) {
      const form = new URLSearchParams(await readRequestText(req));
      const answer = path === '/token' ? oauth.token(form, req.headers.authorization) : oauth.revoke(form);
      return json(res, answer.status, answer.body);
    }
    if (!path.startsWith('/calendar/v3/')) return json(res, 404, googleError(404, 'Not Found', 'NOT_FOUND'));

    const user = oauth.bearer(req.headers.authorization);
    if (!user) {
      unauthorized += 1;
      res.setHeader('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"');
      return json(
        res,
        401,
        googleError(
          401,
          'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
          'UNAUTHENTICATED',
        ),
      );
    }
    const mine = events.get(user.email) ?? [];
    events.set(user.email, mine);
    if (req.method === 'GET' && path === '/calendar/v3/calendars/primary') {
      return json(res, 200, {
        kind: 'calendar#calendar',
        id: user.email,
        summary: user.email,
        timeZone: 'UTC',
      });
    }
    if (path === '/calendar/v3/calendars/primary/events' && req.method === 'GET') {
      return json(res, 200, listEvents(mine, url.searchParams));
    }
    if (path === '/calendar/v3/calendars/primary/events' && req.method === 'POST') {
      return createEvent(res, mine, user, await readRequestText(req));
    }
    return json(res, 404, googleError(404, 'Not Found', 'NOT_FOUND'));
  });

  return {
    url: server.url,
    endpoints: {
      authorizationUrl: `${server.url}/o/oauth2/v2/auth`,
      tokenUrl: `${server.url}/token`,
      revocationUrl: `${server.url}/revoke`,
      calendarApiBaseUrl: `${server.url}/calendar/v3`,
    },
    oauth,
    events,
    unauthorizedCalls: () => unauthorized,
    close: () => server.close(),
  };
}

function listEvents(events: FakeCalendarEvent[], query: URLSearchParams) {
  const timeMin = query.get('timeMin');
  const max = Number(query.get('maxResults') ?? 250);
  const items = events
    .filter((event) => timeMin === null || Date.parse(event.end.dateTime) > Date.parse(timeMin))
    .sort((a, b) => Date.parse(a.start.dateTime) - Date.parse(b.start.dateTime))
    .slice(0, max);
  return { kind: 'calendar#events', summary: 'primary', items };
}

function createEvent(
  res: ServerResponse,
  events: FakeCalendarEvent[],
  user: FakeOAuthUser,
  text: string,
): void {
  let body: Partial<FakeCalendarEvent>;
  try {
    body = JSON.parse(text) as Partial<FakeCalendarEvent>;
  } catch {
    return json(res, 400, googleError(400, 'Parse Error', 'INVALID_ARGUMENT'));
  }
  const start = body.start?.dateTime;
  const end = body.end?.dateTime;
  if (!start || !end || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
    return json(res, 400, googleError(400, 'Missing end time.', 'INVALID_ARGUMENT'));
  }
  if (Date.parse(end) <= Date.parse(start)) {
    return json(res, 400, googleError(400, 'The specified time range is empty.', 'INVALID_ARGUMENT'));
  }
  const id = randomBytes(10).toString('hex');
  const event: FakeCalendarEvent = {
    id,
    summary: body.summary ?? '',
    ...(body.description ? { description: body.description } : {}),
    ...(body.location ? { location: body.location } : {}),
    start: body.start!,
    end: body.end!,
    htmlLink: `https://calendar.example.test/event?eid=${id}&user=${encodeURIComponent(user.email)}`,
    status: 'confirmed',
  };
  events.push(event);
  json(res, 200, { kind: 'calendar#event', ...event });
}

const googleError = (code: number, message: string, status: string) => ({
  error: { code, message, errors: [{ message, domain: 'global', reason: status.toLowerCase() }], status },
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' }).end(JSON.stringify(body));
}
