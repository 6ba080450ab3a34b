import { sign } from 'jsonwebtoken';
import WebSocket from 'ws';
import { WsCloseCode } from '@conduit/contracts';
import {
  registerUser,
  startTestGateway,
  startTestGatewayReplica,
  TEST_JWT_SECRET,
  type RegisteredUser,
  type TestGateway,
} from './support/gateway-test-app';
import { api, json } from './support/platform';

interface OpenSocket {
  ws: WebSocket;
  closed: Promise<{ code: number; reason: string }>;
}

/** Opens `/ws` with a bearer credential and resolves once the server said `ready`. */
function openSocket(gateway: TestGateway, bearer: string): Promise<OpenSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${gateway.baseUrl.replace('http', 'ws')}/ws`, {
      headers: { authorization: `Bearer ${bearer}` },
    });
    const closed = new Promise<{ code: number; reason: string }>((done) =>
      ws.once('close', (code, reason) => done({ code, reason: reason.toString() })),
    );
    ws.once('message', () => resolve({ ws, closed }));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

/** Answers a ping frame with pong: the connection is open and served. */
function pong(socket: OpenSocket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    socket.ws.once('message', (data) => resolve(JSON.parse(data.toString())));
    socket.ws.once('close', () => reject(new Error('closed')));
    socket.ws.send(JSON.stringify({ type: 'ping' }));
  });
}

describe('WebSockets live no longer than their credential', () => {
  let gateway: TestGateway;
  let replica: TestGateway;
  let user: RegisteredUser;

  beforeAll(async () => {
    gateway = await startTestGateway();
    replica = await startTestGatewayReplica(gateway);
    user = await registerUser(gateway.baseUrl);
  });
  afterAll(async () => {
    await replica?.close();
    await gateway?.close();
  });

  it('closes a connection with 4401 when its access token expires, and only that one', async () => {
    const shortLived = sign({ email: user.email }, TEST_JWT_SECRET, {
      subject: user.userId,
      issuer: gateway.config.JWT_ISSUER,
      expiresIn: 2,
    });
    const expiring = await openSocket(gateway, shortLived);
    const lasting = await openSocket(gateway, user.accessToken);
    await expect(expiring.closed).resolves.toEqual({
      code: WsCloseCode.CredentialExpired,
      reason: 'access token expired',
    });
    await expect(pong(lasting)).resolves.toEqual({ type: 'pong' });
    lasting.ws.close();
  });

  it('closes, on every replica, the connections of an API key revoked anywhere with 4403', async () => {
    const createKey = async (name: string): Promise<{ id: string; key: string }> =>
      json(await api(gateway.baseUrl, user.accessToken)('/api/v1/api-keys', { body: { name } }));
    const revoked = await createKey('revoked');
    const kept = await createKey('kept');
    const onReplica = await openSocket(replica, revoked.key);
    const onGateway = await openSocket(gateway, revoked.key);
    const otherKey = await openSocket(replica, kept.key);
    const token = await openSocket(replica, user.accessToken);

    const revocation = await api(gateway.baseUrl, user.accessToken)(`/api/v1/api-keys/${revoked.id}`, {
      method: 'DELETE',
    });
    expect(revocation.status).toBe(204);

    const expected = { code: WsCloseCode.CredentialRevoked, reason: 'API key revoked' };
    await expect(onReplica.closed).resolves.toEqual(expected);
    await expect(onGateway.closed).resolves.toEqual(expected);
    for (const socket of [otherKey, token]) {
      await expect(pong(socket)).resolves.toEqual({ type: 'pong' });
      socket.ws.close();
    }
    await expect(openSocket(replica, revoked.key)).rejects.toThrow('HTTP 401');
  });
});
