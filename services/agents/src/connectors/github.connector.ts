import { z } from 'zod';
import type { ConnectorsConfig } from './connectors-config';
import { defineConnectorTool, type ConnectorDefinition } from './connector-definition';
import { OAuthClient } from './oauth-client';
import { ProviderApi, ProviderApiError } from './provider-api';

interface Issue {
  number: number;
  title: string;
  state: string;
  html_url: string;
  repository?: { full_name?: string };
}

/** GitHub's own rules: owners are letters, digits and hyphens; a repository name is never `.` or `..`. */
const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/(?!\.\.?$)[A-Za-z0-9_.-]{1,100}$/;

const listIssues = defineConnectorTool({
  name: 'github_list_issues',
  description:
    'Lists GitHub issues assigned to the user, across their repositories, most recently updated first.',
  input: z.strictObject({
    state: z.enum(['open', 'closed', 'all']).default('open'),
    limit: z.number().int().min(1).max(50).default(10),
  }),
  async run(input, api) {
    const issues = (await api.json({
      path: 'issues',
      query: { filter: 'assigned', state: input.state, sort: 'updated', per_page: input.limit },
    })) as Issue[];
    return {
      issues: issues.map((issue) => ({
        number: issue.number,
        title: issue.title,
        state: issue.state,
        repository: issue.repository?.full_name ?? null,
        url: issue.html_url,
      })),
    };
  },
});

const createIssue = defineConnectorTool({
  name: 'github_create_issue',
  description: 'Opens an issue in a GitHub repository the user can write to.',
  input: z.strictObject({
    repository: z.string().regex(REPOSITORY, 'must be owner/name'),
    title: z.string().min(1).max(256),
    body: z.string().max(65_536).optional(),
  }),
  async run(input, api) {
    const [owner, name] = input.repository.split('/') as [string, string];
    const issue = (await api.json({
      method: 'POST',
      path: `repos/${encodeURIComponent(owner)}/${encodeURIComponent(name)}/issues`,
      body: { title: input.title, ...(input.body ? { body: input.body } : {}) },
    })) as Issue;
    return { number: issue.number, title: issue.title, url: issue.html_url };
  },
});

const API_HEADERS = {
  accept: 'application/vnd.github+json',
  'x-github-api-version': '2022-11-28',
  'user-agent': 'conduit-agents',
};

/**
 * GitHub (OAuth app, or GitHub app with expiring user tokens: then a refresh token comes too). GitHub has
 * no RFC 7009 endpoint: a grant is revoked through its REST API (`DELETE /applications/{client_id}/grant`).
 */
export function githubConnector(config: ConnectorsConfig): ConnectorDefinition {
  const clientId = config.CONNECTOR_GITHUB_CLIENT_ID;
  const clientSecret = config.CONNECTOR_GITHUB_CLIENT_SECRET;
  const base = config.CONNECTOR_GITHUB_OAUTH_BASE_URL.replace(/\/$/, '');
  const oauth =
    clientId && clientSecret
      ? new OAuthClient({
          issuer: base,
          authorizationUrl: `${base}/login/oauth/authorize`,
          tokenUrl: `${base}/login/oauth/access_token`,
          clientId,
          clientSecret,
          clientAuth: 'post',
          timeoutMs: config.CONNECTORS_HTTP_TIMEOUT_MS,
        })
      : null;
  const api = (token: Parameters<ConnectorDefinition['api']>[0], signal?: AbortSignal) =>
    new ProviderApi({
      baseUrl: config.CONNECTOR_GITHUB_API_BASE_URL,
      headers: API_HEADERS,
      token,
      timeoutMs: config.CONNECTORS_HTTP_TIMEOUT_MS,
      ...(signal ? { signal } : {}),
    });
  return {
    id: 'github',
    name: 'GitHub',
    scopes: ['repo', 'read:user'],
    authorizationParams: { allow_signup: 'false' },
    oauth,
    tools: [listIssues, createIssue],
    api,
    async account(client) {
      const user = (await client.json({ path: 'user' })) as { id?: unknown; login?: unknown };
      if (typeof user.login !== 'string' || user.id === undefined)
        throw new Error('GitHub answered without the user');
      return { id: String(user.id), label: user.login };
    },
    async revoke(tokens) {
      if (!clientId || !clientSecret) return false;
      const url = `${config.CONNECTOR_GITHUB_API_BASE_URL.replace(/\/$/, '')}/applications/${encodeURIComponent(clientId)}/grant`;
      const response = await fetch(url, {
        method: 'DELETE',
        headers: {
          ...API_HEADERS,
          authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ access_token: tokens.accessToken }),
        signal: AbortSignal.timeout(config.CONNECTORS_HTTP_TIMEOUT_MS),
      });
      await response.body?.cancel();
      // 404: the token is already unknown to GitHub (revoked elsewhere): nothing left to revoke.
      if (response.status === 204 || response.status === 404) return true;
      throw new ProviderApiError(response.status, `GitHub refused the revocation (${response.status})`);
    },
  };
}
