import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { connect } from 'nats';
import { BudgetLimits, DomainError, ErrorCode, UsageContract } from '@conduit/contracts';
import { Metering } from '@conduit/metering';
import { deployedNatsPasswords, NatsServerProcess, waitFor } from '@conduit/testing';
import { ModelCatalog } from '../src/catalog/model-catalog';
import { CompletionMetering } from '../src/generation/completion-metering';
import { startTestChat, type ChatTestService } from './support/chat-test-service';

/** Long enough that only an announcement, never expiry, can explain a replica seeing a change. */
const NO_EXPIRY = { METERING_BUDGET_CACHE_TTL_MS: '600000' };

/** The token limits of the budgets a replica would enforce on a call of the user. */
const limitsOn = async (replica: INestApplication, userId: string) =>
  (await replica.get(Metering).budgetsFor({ userId, apiKeyId: null })).map((b) => b.limitTokens);

/** Admits a small completion on one replica and gives the hold straight back; the refusal's code otherwise. */
async function admitOn(replica: INestApplication, userId: string): Promise<'admitted' | ErrorCode> {
  try {
    const admission = await replica.get(CompletionMetering).admit({
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

const tokensPerDay = (limitTokens: number): BudgetLimits => ({ period: 'day', limitTokens });

describe('budgets cached by every chat replica (libs/metering)', () => {
  let chat: ChatTestService;
  let first: INestApplication;
  let second: INestApplication;
  let shortLived: INestApplication;

  beforeAll(async () => {
    chat = await startTestChat(NO_EXPIRY);
    first = chat.app;
    second = await chat.startReplica();
    shortLived = await chat.startReplica({ METERING_BUDGET_CACHE_TTL_MS: '300' });
  });
  afterAll(() => chat?.close());

  /** Writes a budget behind every replica's back, as a change whose announcement was lost would look. */
  const writeUnannounced = (userId: string, limitTokens: number) =>
    chat.usageDb.query(
      `INSERT INTO budgets (id, user_id, scope, scope_id, period, limit_tokens)
       VALUES ($1, $2, 'user', $2, 'day', $3)
       ON CONFLICT (user_id, scope, scope_id) DO UPDATE SET limit_tokens = EXCLUDED.limit_tokens`,
      [randomUUID(), userId, limitTokens],
    );

  /** Through the usage service, which stores the budget and announces the change. */
  const setBudget = (userId: string, limits: BudgetLimits) =>
    chat.bus.request(UsageContract.setBudget, { target: { scope: 'user' }, limits }, { userId });

  it('a budget set through the usage service is enforced by every replica as soon as the announcement arrives', async () => {
    const user = `olga-${randomUUID()}`;
    expect(await admitOn(first, user)).toBe('admitted');
    expect(await admitOn(second, user)).toBe('admitted');

    await setBudget(user, tokensPerDay(1));
    for (const replica of [first, second]) {
      await waitFor(async () => (await limitsOn(replica, user)).length > 0, 'the budget on each replica');
      expect(await limitsOn(replica, user)).toEqual([1]);
      expect(await admitOn(replica, user)).toBe(ErrorCode.BudgetExceeded);
    }

    await chat.bus.request(UsageContract.deleteBudget, { target: { scope: 'user' } }, { userId: user });
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

  it('an entry expires after METERING_BUDGET_CACHE_TTL_MS, so a lost announcement heals on its own', async () => {
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

    await setBudget(quinn, tokensPerDay(9));
    await waitFor(async () => (await limitsOn(second, quinn)).length > 0, "quinn's budget on the second");
    expect(await limitsOn(second, quinn)).toEqual([9]);
    // Quinn's announcement did not drop Rita's entry...
    expect(await limitsOn(second, rita)).toEqual([]);
    expect(await admitOn(second, rita)).toBe('admitted');

    // ...her own does.
    await setBudget(rita, tokensPerDay(4));
    await waitFor(async () => (await limitsOn(second, rita)).length > 0, "rita's budget on the second");
    expect(await limitsOn(second, rita)).toEqual([4]);
    expect(await limitsOn(second, quinn)).toEqual([9]);
  });
});

describe('budget announcements under the deployed NATS users (deploy/nats)', () => {
  const { passwordOf, env } = deployedNatsPasswords();
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
      env,
    });
    // As deployed: an empty subject prefix, chat as its own user, and the test client as the gateway.
    chat = await startTestChat(
      {
        ...NO_EXPIRY,
        NATS_URL: nats.url,
        NATS_SUBJECT_PREFIX: '',
        NATS_USER: 'chat',
        NATS_PASSWORD: passwordOf('chat'),
      },
      { user: 'gateway', password: passwordOf('gateway') },
      { user: 'usage', password: passwordOf('usage') },
    );
    second = await chat.startReplica();
  });
  afterAll(async () => {
    await chat?.close();
    await nats?.stop();
  });

  it('the usage service announces budget changes and every chat replica hears them, with no violation', async () => {
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
      pass: passwordOf('gateway'),
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
