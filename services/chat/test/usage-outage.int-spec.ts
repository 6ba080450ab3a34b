import { randomUUID } from 'node:crypto';
import { ChatContract, ChatStreamEvent, UsageContract } from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { ledgerRow, startTestChat, type ChatTestService } from './support/chat-test-service';

/**
 * Usage must not be lost when Postgres fails as a completion ends: the record goes to a durable stream
 * first, and the ledger is written from it once Postgres answers again, exactly once.
 */
describe('usage recorded while the ledger cannot be written', () => {
  let chat: ChatTestService;

  beforeAll(async () => {
    chat = await startTestChat({ USAGE_LEDGER_RETRY_MAX_MS: '200' });
  });
  afterAll(() => chat?.close());

  async function complete(userId: string): Promise<{ streamId: string; events: ChatStreamEvent[] }> {
    const streamId = randomUUID();
    const stream = chat.bus.openStream(ChatContract.completionStream, streamId);
    await chat.bus.request(
      ChatContract.runCompletion,
      { streamId, model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }], params: {} },
      { userId },
    );
    const events: ChatStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    return { streamId, events };
  }

  const ledgerCount = async (table: string, streamId: string) =>
    (
      await chat.usageDb.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} WHERE id = $1`, [
        streamId,
      ])
    ).rows[0]!.n;

  it('a completion that ends during a ledger outage is counted once the ledger is back, once', async () => {
    const user = `olivia-${randomUUID()}`;
    chat.openai.setBehavior({
      kind: 'answer',
      tokens: ['a', ' b'],
      usage: { inputTokens: 7, outputTokens: 2 },
    });
    // Every write to the ledger fails from here on, as with Postgres gone: the table is not there.
    await chat.usageDb.query('ALTER TABLE usage_records RENAME TO usage_records_offline');
    let streamId: string;
    try {
      const completed = await complete(user);
      streamId = completed.streamId;
      expect(completed.events.at(-1)).toMatchObject({ type: 'done' });
      // The ledger writer has tried and failed (it keeps the record for later).
      await waitFor(() => chat.usage.output().includes('will be delivered again'), 'a failed ledger write');
      expect(await ledgerCount('usage_records_offline', streamId)).toBe(0);
    } finally {
      await chat.usageDb.query('ALTER TABLE usage_records_offline RENAME TO usage_records');
    }

    const row = await ledgerRow(chat, streamId);
    expect(row).toMatchObject({
      userId: user,
      service: 'chat',
      status: 'complete',
      inputTokens: 7,
      outputTokens: 2,
    });
    expect(row.costUsd).toBeCloseTo((7 * 0.15 + 2 * 0.6) / 1e6, 12);
    const summary = await chat.bus.request(
      UsageContract.summarizeUsage,
      {
        from: new Date(Date.now() - 60_000).toISOString(),
        to: new Date(Date.now() + 60_000).toISOString(),
        groupBy: ['service'],
      },
      { userId: user },
    );
    expect(summary.totals).toMatchObject({ requests: 1, inputTokens: 7, outputTokens: 2 });
    expect(summary.byService).toEqual([expect.objectContaining({ service: 'chat', requests: 1 })]);
    expect(await ledgerCount('usage_records', streamId)).toBe(1);
  });
});
