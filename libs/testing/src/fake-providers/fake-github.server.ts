import type { ServerResponse } from 'node:http';
import { FakeOAuthAuthority, readRequestText } from './fake-oauth-authority';
import { serveOnLoopback } from './loopback-http-server';

export interface FakeGitHubIssue {
  number: number;
  title: string;
  body: string | null;
  state: 'open' | 'closed';
  html_url: string;
  repository: { full_name: string };
  assignees: string[];
}

export interface FakeGitHubServer {
  readonly url: string;
  /** Where the connector's `GITHUB_OAUTH_BASE_URL` and `GITHUB_API_BASE_URL` point. */
  readonly oauthBaseUrl: string;
  readonly apiBaseUrl: string;
  readonly oauth: FakeOAuthAuthority;
  readonly issues: FakeGitHubIssue[];
  /** Grants revoked through `DELETE /applications/{client_id}/grant`. */
  readonly revokedGrants: () => number;
  close(): Promise<void>;
}

/**
 * GitHub's OAuth web flow (`/login/oauth/authorize`, `/login/oauth/access_token` answering errors with
 * 200 and `bad_verification_code` as GitHub does, JSON only when asked by Accept, form-encoded otherwise;
 * OAuth app tokens that do not expire, or with `expiringTokens` GitHub app user tokens with rotated refresh
 * tokens) and the REST API the connector uses: `GET /user`, `GET /issues`, `POST /repos/{o}/{r}/issues`,
 * and `DELETE /applications/{client_id}/grant` (basic auth with the client's id and secret).
 */
export async function startFakeGitHub(options: {
  clientId: string;
  clientSecret: string;
  expiringTokens?: boolean;
}): Promise<FakeGitHubServer> {
  const expiring = options.expiringTokens ?? false;
  const oauth = new FakeOAuthAuthority({
    clientId: options.clientId,
    clientSecret: options.clientSecret,
    accessTokenTtlSeconds: expiring ? 28_800 : null,
    issueRefreshTokens: expiring,
    rotateRefreshTokens: expiring,
    errorStatus: 200,
    badCodeError: 'bad_verification_code',
    badRefreshError: 'bad_refresh_token',
    tokenPrefix: 'gh',
    scopeSeparator: ',',
    tokenType: 'bearer',
  });
  const issues: FakeGitHubIssue[] = [];
  let revokedGrants = 0;

  const server = await serveOnLoopback(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    if (req.method === 'GET' && path === '/login/oauth/authorize') {
      const answer = oauth.authorize(url);
      if (answer.location) res.writeHead(302, { location: answer.location }).end();
      else res.writeHead(answer.status, { 'content-type': 'text/html' }).end(answer.text);
      return;
    }
    if (req.method === 'POST' && path === '/login/oauth/access_token') {
      const answer = oauth.token(new URLSearchParams(await readRequestText(req)), req.headers.authorization);
      if ((req.headers.accept ?? '').includes('application/json'))
        return json(res, answer.status, answer.body);
      const form = new URLSearchParams();
      for (const [name, value] of Object.entries(answer.body)) form.set(name, String(value));
      res
        .writeHead(answer.status, { 'content-type': 'application/x-www-form-urlencoded' })
        .end(form.toString());
      return;
    }
    if (!path.startsWith('/api/')) return json(res, 404, { message: 'Not Found' });
    const route = path.slice('/api'.length);

    const grant = /^\/applications\/([^/]+)\/grant$/.exec(route);
    if (grant && req.method === 'DELETE') {
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      const [id, secret] = Buffer.from(basic?.[1] ?? '', 'base64')
        .toString()
        .split(':');
      if (
        !basic ||
        decodeURIComponent(grant[1]!) !== id ||
        !oauth.clientSecretMatches(id ?? '', secret ?? '')
      ) {
        return json(res, 401, {
          message: 'Requires authentication',
          documentation_url: 'https://docs.github.com/rest',
        });
      }
      const body = JSON.parse((await readRequestText(req)) || '{}') as { access_token?: string };
      if (!body.access_token || !oauth.revokeGrantOf(body.access_token))
        return json(res, 404, { message: 'Not Found' });
      revokedGrants += 1;
      res.writeHead(204).end();
      return;
    }

    const user = oauth.bearer(req.headers.authorization);
    if (!user)
      return json(res, 401, {
        message: 'Bad credentials',
        documentation_url: 'https://docs.github.com/rest',
        status: '401',
      });
    if (req.headers['user-agent'] === undefined)
      return json(res, 403, { message: 'Request forbidden by administrative rules.' });

    if (req.method === 'GET' && route === '/user') {
      return json(res, 200, { login: user.login, id: Number(user.id), type: 'User', email: user.email });
    }
    if (req.method === 'GET' && route === '/issues') {
      const state = url.searchParams.get('state') ?? 'open';
      const perPage = Number(url.searchParams.get('per_page') ?? 30);
      const mine = issues
        .filter((issue) => issue.assignees.includes(user.login) && (state === 'all' || issue.state === state))
        .slice(0, perPage);
      return json(res, 200, mine);
    }
    const create = /^\/repos\/([^/]+)\/([^/]+)\/issues$/.exec(route);
    if (create && req.method === 'POST') {
      const body = JSON.parse(await readRequestText(req)) as { title?: unknown; body?: unknown };
      if (typeof body.title !== 'string' || body.title === '') {
        return json(res, 422, {
          message: 'Validation Failed',
          errors: [{ resource: 'Issue', field: 'title', code: 'missing_field' }],
        });
      }
      const fullName = `${decodeURIComponent(create[1]!)}/${decodeURIComponent(create[2]!)}`;
      if (fullName.startsWith('private/')) return json(res, 404, { message: 'Not Found' });
      const issue: FakeGitHubIssue = {
        number: issues.length + 1,
        title: body.title,
        body: typeof body.body === 'string' ? body.body : null,
        state: 'open',
        html_url: `https://github.example.test/${fullName}/issues/${issues.length + 1}`,
        repository: { full_name: fullName },
        assignees: [user.login],
      };
      issues.push(issue);
      return json(res, 201, issue);
    }
    return json(res, 404, { message: 'Not Found' });
  });

  return {
    url: server.url,
    oauthBaseUrl: server.url,
    apiBaseUrl: `${server.url}/api`,
    oauth,
    issues,
    revokedGrants: () => revokedGrants,
    close: () => server.close(),
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
