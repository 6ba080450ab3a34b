import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { connect } from 'nats';
import { BudgetLimits, DomainError, ErrorCode, UsageContract } from '@conduit/contracts';
import { NatsServerProcess, waitFor } from '@conduit/testing';
import { ModelCatalog } from '../src/catalog/model-catalog';
import { BudgetPolicy } from '../src/usage/budget-policy';
import { BudgetsService } from '../src/usage/budgets.service';
import { UsageMeter } from '../src/usage/usage-meter.service';
import { startTestChat, type ChatTestService } from './support/chat-test-service';

/** Long enough that only an announcement, never expiry, can explain a replica seeing a change. */
const NO_EXPIRY = { CHAT_BUDGET_CACHE_TTL_MS: '600000' };

/** The token limits of the budgets a replica would enforce on a call of the user. */
const limitsOn = async (replica: INestApplication, userId: string) =>
  (await replica.get(BudgetPolicy).applicable(userId, null)).map((b) => b.limitTokens);

/** Admits a small completion on one replica and gives the hold straight back; the refusal's code otherwise. */
async function admitOn(replica: INestApplication, userId: string): Promise<'admitted' | ErrorCode> {
  try {
    const admission = await replica.get(UsageMeter).admit({
      userId,
      apiKeyId: null,
      model: replica.get(ModelCatalog).resolve('openai/gpt-4o-mini'),
      messages: [{ role: 'user', content: 'hi' }],
      params: { maxTokens: 10 },
    });
    admission.release();
    return 'admitted';
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
}

const setOn = (replica: INestApplication, userId: string, limits: BudgetLimits) =>
  replica.get(BudgetsService).set(userId, { scope: 'user' }, limits);

const tokensPerDay = (limitTokens: number): BudgetLimits => ({ period: 'day', limitTokens });

describe('budgets cached by every chat replica', () => {
  let chat: ChatTestService;
  let first: INestApplication;
  let second: INestApplication;
  let shortLived: INestApplication;

  beforeAll(async () => {
    chat = await startTestChat(NO_EXPIRY);
    first = chat.app;
    second = await chat.startReplica();
    shortLived = await chat.startReplica({ CHAT_BUDGET_CACHE_TTL_MS: '300' });
  });
  afterAll(() => chat?.close());

  /** Writes a budget behind every replica's back, as a change whose announcement was lost would look. */
  const writeUnannounced = (userId: string, limitTokens: number) =>
    chat.prisma.budget.upsert({
      where: { userId_scope_scopeId: { userId, scope: 'user', scopeId: userId } },
      create: { id: randomUUID(), userId, scope: 'user', scopeId: userId, period: 'day', limitTokens },
      update: { limitTokens },
    });

  it('a budget set on one replica is enforced by another as soon as the announcement arrives', async () => {
    const user = `olga-${randomUUID()}`;
    expect(await admitOn(second, user)).toBe('admitted');

    await setOn(first, user, tokensPerDay(1));
    // The replica that stored it needs no announcement.
    expect(await limitsOn(first, user)).toEqual([1]);
    await waitFor(async () => (await limitsOn(second, user)).length > 0, 'the budget on the second replica');
    expect(await limitsOn(second, user)).toEqual([1]);
    expect(await admitOn(second, user)).toBe(ErrorCode.BudgetExceeded);

    await first.get(BudgetsService).delete(user, { scope: 'user' });
    await waitFor(async () => (await limitsOn(second, user)).length === 0, 'the deletion on the second');
    expect(await admitOn(second, user)).toBe('admitted');
  });

  it('changes made through the request handlers reach every replica, whichever one served them', async () => {
    const user = `petra-${randomUUID()}`;
    for (const replica of [first, second]) expect(await limitsOn(replica, user)).toEqual([]);
    await chat.bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: tokensPerDay(5) },
      { userId: user },
    );
    for (const replica of [first, second]) {
      await waitFor(async () => (await limitsOn(replica, user)).length > 0, 'the budget on each replica');
      expect(await admitOn(replica, user)).toBe(ErrorCode.BudgetExceeded);
    }
  });

  it('an entry expires after CHAT_BUDGET_CACHE_TTL_MS, so a lost announcement heals on its own', async () => {
    const user = `pia-${randomUUID()}`;
    expect(await limitsOn(second, user)).toEqual([]);
    // The short-lived replica's entry is filled during this call, so it cannot expire before 300 ms from here.
    const beforeFill = Date.now();
    expect(await limitsOn(shortLived, user)).toEqual([]);
    await writeUnannounced(user, 7);
    expect(await limitsOn(second, user)).toEqual([]);

    await waitFor(async () => (await limitsOn(shortLived, user)).length > 0, 'expiry on the 300 ms replica');
    expect(Date.now() - beforeFill).toBeGreaterThanOrEqual(300);
    expect(await limitsOn(shortLived, user)).toEqual([7]);
    expect(await admitOn(shortLived, user)).toBe(ErrorCode.BudgetExceeded);
    // The other replica still answers from its entry: what changed was time, not an announcement.
    expect(await limitsOn(second, user)).toEqual([]);
  });

  it("one user's change never touches another user's entry", async () => {
    const quinn = `quinn-${randomUUID()}`;
    const rita = `rita-${randomUUID()}`;
    expect(await limitsOn(second, quinn)).toEqual([]);
    expect(await limitsOn(second, rita)).toEqual([]);
    // Rita's row changes unannounced: her entry on the second replica is now knowingly stale.
    await writeUnannounced(rita, 3);

    await setOn(first, quinn, tokensPerDay(9));
    await waitFor(async () => (await limitsOn(second, quinn)).length > 0, "quinn's budget on the second");
    expect(await limitsOn(second, quinn)).toEqual([9]);
    // Quinn's announcement did not drop Rita's entry...
    expect(await limitsOn(second, rita)).toEqual([]);
    expect(await admitOn(second, rita)).toBe('admitted');

    // ...her own does.
    await setOn(first, rita, tokensPerDay(4));
    await waitFor(async () => (await limitsOn(second, rita)).length > 0, "rita's budget on the second");
    expect(await limitsOn(second, rita)).toEqual([4]);
    expect(await limitsOn(second, quinn)).toEqual([9]);
  });
});

describe('budget announcements under the deployed NATS users (deploy/nats)', () => {
  const passwords = {
    gateway: `gw-${randomBytes(12).toString('hex')}`,
    chat: `chat-${randomBytes(12).toString('hex')}`,
  };
  let nats: NatsServerProcess;
  let chat: ChatTestService;
  let second: INestApplication;
  const violations = () =>
    nats
      .output()
      .split('\n')
      .filter((line) => line.includes('Violation'));

  beforeAll(async () => {
    nats = await NatsServerProcess.start({
      configFile: join(__dirname, '..', '..', '..', 'deploy', 'nats', 'nats.conf'),
      env: { NATS_GATEWAY_PASSWORD: passwords.gateway, NATS_CHAT_PASSWORD: passwords.chat },
    });
    // As deployed: an empty subject prefix, chat as its own user, and the test client as the gateway.
    chat = await startTestChat(
      {
        ...NO_EXPIRY,
        NATS_URL: nats.url,
        NATS_SUBJECT_PREFIX: '',
        NATS_USER: 'chat',
        NATS_PASSWORD: passwords.chat,
      },
      { user: 'gateway', password: passwords.gateway },
    );
    second = await chat.startReplica();
  });
  afterAll(async () => {
    await chat?.close();
    await nats?.stop();
  });

  it('chat may announce and hear budget changes on every replica, with no violation', async () => {
    const user = `sara-${randomUUID()}`;
    for (const replica of [chat.app, second]) expect(await limitsOn(replica, user)).toEqual([]);
    await chat.bus.request(
      UsageContract.setBudget,
      { target: { scope: 'user' }, limits: tokensPerDay(2) },
      { userId: user },
    );
    for (const replica of [chat.app, second]) {
      await waitFor(async () => (await limitsOn(replica, user)).length > 0, 'the budget on each replica');
    }
    expect(violations()).toEqual([]);
  });

  it('the gateway cannot announce budget changes', async () => {
    const gateway = await connect({
      servers: nats.url,
      user: 'gateway',
      pass: passwords.gateway,
      inboxPrefix: '_INBOX_gateway',
    });
    try {
      gateway.publish(UsageContract.budgetsChanged.subject, new TextEncoder().encode('{"userId":"sara"}'));
      await gateway.flush();
      const expected = `Publish Violation - User "gateway", Subject "${UsageContract.budgetsChanged.subject}"`;
      await waitFor(async () => nats.output().includes(expected), 'the publish violation');
    } finally {
      await gateway.close();
    }
  });
});
