import { z } from 'zod';
import type { ConnectorsConfig } from './connectors-config';
import { defineConnectorTool, type ConnectorDefinition } from './connector-definition';
import { OAuthClient } from './oauth-client';
import { ProviderApi } from './provider-api';

interface CalendarEvent {
  id: string;
  summary?: string;
  description?: string;
  location?: string;
  htmlLink?: string;
  start?: { dateTime?: string; date?: string; timeZone?: string };
  end?: { dateTime?: string; date?: string; timeZone?: string };
}

const eventView = (event: CalendarEvent) => ({
  id: event.id,
  summary: event.summary ?? '(no title)',
  start: event.start?.dateTime ?? event.start?.date ?? null,
  end: event.end?.dateTime ?? event.end?.date ?? null,
  location: event.location ?? null,
  url: event.htmlLink ?? null,
});

const dateTime = z.iso.datetime({ offset: true });

const listEvents = defineConnectorTool({
  name: 'google_calendar_list_events',
  description:
    "Lists upcoming events of the user's primary Google Calendar, soonest first (from now unless `from` is given).",
  input: z.strictObject({
    from: dateTime.optional().describe('ISO 8601 date-time; default now'),
    to: dateTime.optional().describe('ISO 8601 date-time'),
    query: z.string().min(1).max(200).optional().describe('free text to match'),
    limit: z.number().int().min(1).max(50).default(10),
  }),
  async run(input, api) {
    const body = (await api.json({
      path: 'calendars/primary/events',
      query: {
        timeMin: input.from ?? new Date().toISOString(),
        timeMax: input.to,
        q: input.query,
        maxResults: input.limit,
        singleEvents: true,
        orderBy: 'startTime',
      },
    })) as { items?: CalendarEvent[] };
    return { events: (body.items ?? []).map(eventView) };
  },
});

const createEvent = defineConnectorTool({
  name: 'google_calendar_create_event',
  description: "Creates an event in the user's primary Google Calendar.",
  input: z
    .strictObject({
      summary: z.string().min(1).max(1024),
      start: dateTime.describe('ISO 8601 date-time with offset'),
      end: dateTime.describe('ISO 8601 date-time with offset, after start'),
      description: z.string().max(8192).optional(),
      location: z.string().max(1024).optional(),
      timeZone: z.string().min(1).max(64).optional().describe('IANA zone, e.g. Europe/Paris'),
    })
    .refine((event) => Date.parse(event.end) > Date.parse(event.start), {
      message: 'end must be after start',
      path: ['end'],
    }),
  async run(input, api) {
    const zone = input.timeZone ? { timeZone: input.timeZone } : {};
    const created = (await api.json({
      method: 'POST',
      path: 'calendars/primary/events',
      body: {
        summary: input.summary,
        ...(input.description ? { description: input.description } : {}),
        ...(input.location ? { location: input.location } : {}),
        start: { dateTime: input.start, ...zone },
        end: { dateTime: input.end, ...zone },
      },
    })) as CalendarEvent;
    return eventView(created);
  },
});

/** Google Calendar (API v3), OAuth 2.0 with offline access so a refresh token is issued. */
export function googleCalendarConnector(config: ConnectorsConfig): ConnectorDefinition {
  const clientId = config.CONNECTOR_GOOGLE_CLIENT_ID;
  const clientSecret = config.CONNECTOR_GOOGLE_CLIENT_SECRET;
  const oauth =
    clientId && clientSecret
      ? new OAuthClient({
          issuer: 'https://accounts.google.com',
          authorizationUrl: config.CONNECTOR_GOOGLE_AUTHORIZATION_URL,
          tokenUrl: config.CONNECTOR_GOOGLE_TOKEN_URL,
          revocationUrl: config.CONNECTOR_GOOGLE_REVOCATION_URL,
          clientId,
          clientSecret,
          clientAuth: 'post',
          timeoutMs: config.CONNECTORS_HTTP_TIMEOUT_MS,
        })
      : null;
  return {
    id: 'google-calendar',
    name: 'Google Calendar',
    scopes: [
      'https://www.googleapis.com/auth/calendar.events',
      'https://www.googleapis.com/auth/calendar.readonly',
    ],
    // offline: a refresh token; consent: issued again when the same account connects again.
    authorizationParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    oauth,
    tools: [listEvents, createEvent],
    api: (token, signal) =>
      new ProviderApi({
        baseUrl: config.CONNECTOR_GOOGLE_CALENDAR_API_BASE_URL,
        headers: { accept: 'application/json' },
        token,
        timeoutMs: config.CONNECTORS_HTTP_TIMEOUT_MS,
        ...(signal ? { signal } : {}),
      }),
    // The primary calendar's id is the account's address; no identity scope needed.
    async account(api) {
      const primary = (await api.json({ path: 'calendars/primary' })) as { id?: unknown };
      if (typeof primary.id !== 'string') throw new Error('Google Calendar answered without the calendar id');
      return { id: primary.id, label: primary.id };
    },
    async revoke(tokens) {
      if (!oauth) return false;
      // Revoking the refresh token ends the whole grant (its access tokens too).
      await oauth.revoke(
        tokens.refreshToken ?? tokens.accessToken,
        tokens.refreshToken ? 'refresh_token' : 'access_token',
      );
      return true;
    },
  };
}
