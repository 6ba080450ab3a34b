import { randomUUID } from 'node:crypto';
import {
  AgentsContract,
  AgentsSchedulesContract as Contract,
  DomainError,
  ErrorCode,
  type CallerContext,
  type RequestDef,
} from '@conduit/contracts';
import { waitFor } from '@conduit/testing';
import { NotificationRetention } from '../src/notifications/notification-retention';
import { startSchedulesTestApp, type SchedulesTestApp } from './support/schedules-test-app';

const alice: CallerContext = { userId: `alice-${randomUUID()}` };
const bob: CallerContext = { userId: `bob-${randomUUID()}` };

async function rejection(promise: Promise<unknown>): Promise<{ code: string; fields: string[] }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DomainError);
  const domain = error as DomainError;
  const fields = (domain.details?.fields as { path: string }[] | undefined) ?? [];
  return { code: domain.code, fields: fields.map((f) => f.path) };
}

describe('scheduled agents', () => {
  let app: SchedulesTestApp;
  let aliceAgent: string;
  let bobAgent: string;

  const request = <D extends RequestDef>(
    def: D,
    payload: Parameters<SchedulesTestApp['bus']['request']>[1],
    caller: CallerContext,
  ) => app.bus.request(def, payload as never, caller);
  const eventsOf = (scheduleId: string) => app.events.filter((e) => e.notification.scheduleId === scheduleId);

  beforeAll(async () => {
    app = await startSchedulesTestApp({ replicas: 2 });
    aliceAgent = (await app.bus.request(AgentsContract.createAgent, { name: 'Alice’s helper' }, alice)).id;
    bobAgent = (await app.bus.request(AgentsContract.createAgent, { name: 'Bob’s helper' }, bob)).id;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('fires each slot of a cron schedule exactly once with two replicas racing for it', async () => {
    app.clock.set('2026-06-01T09:02:00Z');
    const schedule = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'summarise my inbox', cron: '*/5 * * * *', name: 'Inbox' },
      alice,
    );
    expect(schedule).toMatchObject({
      state: 'active',
      nextFireAt: '2026-06-01T09:05:00.000Z',
      timeZone: 'UTC',
    });
    const slots = ['09:05', '09:10', '09:15', '09:20'].map((t) => `2026-06-01T${t}:00.000Z`);
    for (const [i, slot] of slots.entries()) {
      app.clock.set(new Date(Date.parse(slot) + 500));
      await app.tickAll();
      await app.tickAll();
      await waitFor(() => eventsOf(schedule.id).length === i + 1, `notification ${i + 1} of ${slot}`);
    }
    expect((await firesOf(app, schedule.id)).map((f) => [f.slot.toISOString(), f.status])).toEqual(
      slots.map((slot) => [slot, 'succeeded']),
    );
    const runs = app.runs.filter((r) => r.request.trigger.scheduleId === schedule.id);
    expect(runs.map((r) => r.request.trigger.slot.toISOString())).toEqual(slots);
    expect(runs[0]!.request).toMatchObject({
      userId: alice.userId,
      agentId: aliceAgent,
      input: 'summarise my inbox',
    });
    expect(
      eventsOf(schedule.id).map((e) => [e.userId, e.notification.firedFor, e.notification.status]),
    ).toEqual(slots.map((slot) => [alice.userId, slot, 'succeeded']));
    expect(eventsOf(schedule.id)[0]!.notification).toMatchObject({
      title: 'Inbox: done',
      body: 'answer to: summarise my inbox',
      agentId: aliceAgent,
      read: false,
    });
    const after = await app.bus.request(Contract.getSchedule, { id: schedule.id }, alice);
    expect(after).toMatchObject({ nextFireAt: '2026-06-01T09:25:00.000Z', lastFiredAt: slots.at(-1) });
    await app.bus.request(Contract.deleteSchedule, { id: schedule.id }, alice);
  });

  it('fires 200 schedules due in the same minute once each, shared by the replicas', async () => {
    app.clock.set('2026-06-01T10:00:30Z');
    // Created 20 at a time: 200 requests at once can outlast the bus's request timeout on a busy machine,
    // and what is under test is the burst of firing, not of creating.
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const created = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          app.bus.request(
            Contract.createSchedule,
            { agentId: aliceAgent, prompt: `burst ${batch * 20 + i}`, cron: '1 10 * * *' },
            alice,
          ),
        ),
      );
      ids.push(...created.map((schedule) => schedule.id));
    }
    app.clock.set('2026-06-01T10:01:00.200Z');
    await app.tickAll();
    const fired = () => app.events.filter((e) => ids.includes(e.notification.scheduleId ?? '')).length;
    await waitFor(
      () => fired() === 200,
      () => `200 notifications (saw ${fired()})`,
    );
    const runs = app.runs.filter((r) => ids.includes(r.request.trigger.scheduleId));
    expect(runs).toHaveLength(200);
    expect(new Set(runs.map((r) => r.request.trigger.scheduleId)).size).toBe(200);
    const { rows } = await app
      .pool()
      .query<{ count: string }>(
        'SELECT count(*)::text AS count FROM schedule_fires WHERE schedule_id = ANY($1)',
        [ids],
      );
    expect(rows[0]!.count).toBe('200');
    for (const id of ids) await app.bus.request(Contract.deleteSchedule, { id }, alice);
  });

  it('runs a one-off once at its time and then shows it finished', async () => {
    app.clock.set('2026-06-01T11:00:00Z');
    const once = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'remind me', runAt: '2026-06-01T13:30:00+02:00' },
      alice,
    );
    expect(once).toMatchObject({
      cron: null,
      runAt: '2026-06-01T11:30:00.000Z',
      nextFireAt: '2026-06-01T11:30:00.000Z',
    });
    app.clock.set('2026-06-01T11:29:59Z');
    await app.tickAll();
    app.clock.set('2026-06-01T11:30:01Z');
    await app.tickAll();
    await waitFor(() => eventsOf(once.id).length === 1, 'the one-off notification');
    app.clock.set('2026-06-01T12:30:00Z');
    await app.tickAll();
    expect(await firesOf(app, once.id)).toHaveLength(1);
    expect(await app.bus.request(Contract.getSchedule, { id: once.id }, alice)).toMatchObject({
      state: 'finished',
      nextFireAt: null,
      lastFiredAt: '2026-06-01T11:30:00.000Z',
    });
  });

  it('tells the owner of a failed run why, and does not fire a paused schedule until it is resumed', async () => {
    app.clock.set('2026-06-01T12:00:30Z');
    const failing = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'please fail', cron: '15 12 * * *' },
      alice,
    );
    const paused = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'paused', cron: '15 12 * * *', enabled: false },
      alice,
    );
    expect(paused).toMatchObject({ state: 'paused', nextFireAt: null });
    app.clock.set('2026-06-01T12:15:01Z');
    await app.tickAll();
    await waitFor(() => eventsOf(failing.id).length === 1, 'the failure notification');
    expect(eventsOf(failing.id)[0]!.notification).toMatchObject({
      status: 'failed',
      title: 'Scheduled run: failed',
      body: 'asked to fail',
    });
    expect(await firesOf(app, paused.id)).toEqual([]);
    const resumed = await app.bus.request(Contract.updateSchedule, { id: paused.id, enabled: true }, alice);
    expect(resumed).toMatchObject({ state: 'active', nextFireAt: '2026-06-02T12:15:00.000Z' });
    const moved = await app.bus.request(
      Contract.updateSchedule,
      { id: paused.id, cron: '0 9 * * *', timeZone: 'America/New_York', prompt: 'new prompt' },
      alice,
    );
    expect(moved).toMatchObject({ nextFireAt: '2026-06-01T13:00:00.000Z', prompt: 'new prompt' });
    for (const id of [failing.id, paused.id]) await app.bus.request(Contract.deleteSchedule, { id }, alice);
  });

  it('lists notifications newest first, page by page, and marks them read one by one or all at once', async () => {
    const carol: CallerContext = { userId: `carol-${randomUUID()}` };
    const agent = (await app.bus.request(AgentsContract.createAgent, { name: 'Carol’s' }, carol)).id;
    app.clock.set('2026-06-01T14:00:30Z');
    const schedule = await app.bus.request(
      Contract.createSchedule,
      { agentId: agent, prompt: 'hourly', cron: '0 * * * *' },
      carol,
    );
    for (const hour of ['15', '16', '17']) {
      app.clock.set(`2026-06-01T${hour}:00:01Z`);
      await app.tickAll();
    }
    await waitFor(() => eventsOf(schedule.id).length === 3, 'three notifications');
    const first = await app.bus.request(Contract.listNotifications, { limit: 2 }, carol);
    expect(first.unreadCount).toBe(3);
    expect(first.data.map((n) => n.firedFor)).toEqual([
      '2026-06-01T17:00:00.000Z',
      '2026-06-01T16:00:00.000Z',
    ]);
    const second = await app.bus.request(
      Contract.listNotifications,
      { limit: 2, cursor: first.nextCursor! },
      carol,
    );
    expect(second).toMatchObject({ nextCursor: null, data: [{ firedFor: '2026-06-01T15:00:00.000Z' }] });
    const read = await app.bus.request(Contract.markNotificationRead, { id: first.data[0]!.id }, carol);
    expect(read).toMatchObject({ read: true, readAt: expect.any(String) });
    const unread = await app.bus.request(Contract.listNotifications, { unread: true }, carol);
    expect(unread.unreadCount).toBe(2);
    expect(unread.data.map((n) => n.id)).not.toContain(first.data[0]!.id);
    expect((await app.bus.request(Contract.listNotifications, { unread: false }, carol)).data).toHaveLength(
      1,
    );
    expect(await app.bus.request(Contract.markAllNotificationsRead, {}, carol)).toEqual({ updated: 2 });
    expect(await app.bus.request(Contract.listNotifications, {}, carol)).toMatchObject({ unreadCount: 0 });
    await app.bus.request(Contract.deleteSchedule, { id: schedule.id }, carol);
  });

  it("keeps users apart: nobody sees, changes, schedules or reads another user's schedules and notifications", async () => {
    app.clock.set('2026-06-01T18:00:30Z');
    const schedule = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'private', cron: '5 18 * * *' },
      alice,
    );
    app.clock.set('2026-06-01T18:05:01Z');
    await app.tickAll();
    await waitFor(() => eventsOf(schedule.id).length === 1, 'the notification');
    const notification = eventsOf(schedule.id)[0]!.notification;
    const notFound = { code: ErrorCode.NotFound, fields: [] };
    expect(await rejection(app.bus.request(Contract.getSchedule, { id: schedule.id }, bob))).toEqual(
      notFound,
    );
    expect(
      await rejection(app.bus.request(Contract.updateSchedule, { id: schedule.id, enabled: false }, bob)),
    ).toEqual(notFound);
    expect(await rejection(app.bus.request(Contract.deleteSchedule, { id: schedule.id }, bob))).toEqual(
      notFound,
    );
    expect(
      await rejection(
        app.bus.request(
          Contract.createSchedule,
          { agentId: aliceAgent, prompt: 'x', cron: '* * * * *' },
          bob,
        ),
      ),
    ).toEqual(notFound);
    expect(
      await rejection(app.bus.request(Contract.markNotificationRead, { id: notification.id }, bob)),
    ).toEqual(notFound);
    expect(
      (await app.bus.request(Contract.listSchedules, { limit: 100 }, bob)).data.map((s) => s.id),
    ).not.toContain(schedule.id);
    const bobsNotifications = await app.bus.request(Contract.listNotifications, { limit: 100 }, bob);
    expect(bobsNotifications.data.map((n) => n.id)).not.toContain(notification.id);
    expect(await app.bus.request(Contract.markAllNotificationsRead, {}, bob)).toEqual({ updated: 0 });
    expect(await app.bus.request(Contract.getSchedule, { id: schedule.id }, alice)).toMatchObject({
      enabled: true,
    });
    const alices = await app.bus.request(Contract.listNotifications, { limit: 100 }, alice);
    expect(alices.data.find((n) => n.id === notification.id)).toMatchObject({ read: false });
    await app.bus.request(Contract.deleteSchedule, { id: schedule.id }, alice);
  });

  it('runs again a fire whose replica died while running it, and gives up on one cut short too often', async () => {
    app.clock.set('2026-06-01T20:00:00Z');
    const schedule = await app.bus.request(
      Contract.createSchedule,
      { agentId: aliceAgent, prompt: 'survive a crash', cron: '0 23 * * *' },
      alice,
    );
    // What a replica that died mid-run leaves behind: fires `running` under a lease that has run out.
    const leftBehind = async (slot: string, attempts: number) => {
      const id = randomUUID();
      await app.pool().query(
        `INSERT INTO schedule_fires (id, schedule_id, user_id, agent_id, prompt, slot, status, attempts, lease_until)
           VALUES ($1, $2, $3, $4, 'survive a crash', $5, 'running', $6, '2026-06-01T19:59:00Z')`,
        [id, schedule.id, alice.userId, aliceAgent, slot, attempts],
      );
      return id;
    };
    const retried = await leftBehind('2026-06-01T19:00:00Z', 1);
    const exhausted = await leftBehind('2026-06-01T18:00:00Z', 3);
    await app.tickAll();
    await waitFor(() => eventsOf(schedule.id).length === 2, 'both fires ended');
    const byFire = async (id: string) =>
      (await app.pool().query('SELECT status, attempts FROM schedule_fires WHERE id = $1', [id])).rows[0];
    expect(await byFire(retried)).toEqual({ status: 'succeeded', attempts: 2 });
    expect(await byFire(exhausted)).toEqual({ status: 'failed', attempts: 4 });
    const runs = app.runs.filter((r) => r.request.trigger.scheduleId === schedule.id);
    expect(runs.map((r) => r.request.trigger.fireId)).toEqual([retried]);
    const told = Object.fromEntries(
      eventsOf(schedule.id).map((e) => [e.notification.firedFor, e.notification]),
    );
    expect(told['2026-06-01T19:00:00.000Z']).toMatchObject({ status: 'succeeded' });
    expect(told['2026-06-01T18:00:00.000Z']).toMatchObject({
      status: 'failed',
      body: expect.stringContaining('interrupted 3 times'),
    });
    await app.bus.request(Contract.deleteSchedule, { id: schedule.id }, alice);
  });

  it('refuses bad input on every handler with a typed error, and keeps serving', async () => {
    app.clock.set('2026-06-01T19:00:00Z');
    const valid = { agentId: aliceAgent, prompt: 'ok', cron: '0 9 * * *' };
    const createCases: [Record<string, unknown>, string, string[]][] = [
      [{ ...valid, cron: '61 * * * *' }, ErrorCode.ValidationFailed, ['cron']],
      [{ ...valid, cron: 'every morning' }, ErrorCode.ValidationFailed, ['cron']],
      [{ ...valid, cron: '* * * * * *' }, ErrorCode.ValidationFailed, ['cron']],
      [{ ...valid, cron: '0 0 30 2 *' }, ErrorCode.ValidationFailed, ['cron']],
      [{ ...valid, timeZone: 'Mars/Olympus' }, ErrorCode.ValidationFailed, ['timeZone']],
      [{ ...valid, timeZone: 'CEST+2' }, ErrorCode.ValidationFailed, ['timeZone']],
      [
        { agentId: aliceAgent, prompt: 'ok', runAt: '2026-06-01T18:59:00Z' },
        ErrorCode.ValidationFailed,
        ['runAt'],
      ],
      [{ agentId: aliceAgent, prompt: 'ok', runAt: 'tomorrow' }, ErrorCode.ValidationFailed, ['runAt']],
      [{ ...valid, runAt: '2026-06-02T00:00:00Z' }, ErrorCode.ValidationFailed, ['cron']],
      [{ agentId: aliceAgent, prompt: 'ok' }, ErrorCode.ValidationFailed, ['cron']],
      [{ ...valid, prompt: '   ' }, ErrorCode.ValidationFailed, ['prompt']],
      [{ ...valid, agentId: 'not-a-uuid' }, ErrorCode.ValidationFailed, ['agentId']],
      [{ ...valid, catchUp: 'sometimes' }, ErrorCode.ValidationFailed, ['catchUp']],
      [{ ...valid, colour: 'blue' }, ErrorCode.ValidationFailed, ['colour']],
      [{ ...valid, agentId: randomUUID() }, ErrorCode.NotFound, []],
      [{ ...valid, agentId: bobAgent }, ErrorCode.NotFound, []],
    ];
    for (const [payload, code, fields] of createCases) {
      const seen = await rejection(request(Contract.createSchedule, payload, alice));
      expect({ payload, ...seen }).toEqual({ payload, code, fields });
    }
    const schedule = await app.bus.request(Contract.createSchedule, valid, alice);
    const updateCases: [Record<string, unknown>, string, string[]][] = [
      [{ id: schedule.id, cron: '99 * * * *' }, ErrorCode.ValidationFailed, ['cron']],
      [{ id: schedule.id, timeZone: 'Nowhere/Land' }, ErrorCode.ValidationFailed, ['timeZone']],
      [{ id: schedule.id, runAt: '2026-06-01T10:00:00Z' }, ErrorCode.ValidationFailed, ['runAt']],
      [
        { id: schedule.id, cron: '* * * * *', runAt: '2026-06-02T10:00:00Z' },
        ErrorCode.ValidationFailed,
        ['cron'],
      ],
      [{ id: schedule.id, agentId: bobAgent }, ErrorCode.ValidationFailed, ['agentId']],
      [{ id: 'nope' }, ErrorCode.ValidationFailed, ['id']],
      [{ id: randomUUID(), enabled: false }, ErrorCode.NotFound, []],
    ];
    for (const [payload, code, fields] of updateCases) {
      const seen = await rejection(request(Contract.updateSchedule, payload, alice));
      expect({ payload, ...seen }).toEqual({ payload, code, fields });
    }
    expect(await app.bus.request(Contract.getSchedule, { id: schedule.id }, alice)).toMatchObject({
      cron: '0 9 * * *',
      timeZone: 'UTC',
    });
    const otherCases: [RequestDef, Record<string, unknown>, string, string[]][] = [
      [Contract.getSchedule, { id: 'nope' }, ErrorCode.ValidationFailed, ['id']],
      [Contract.getSchedule, { id: randomUUID() }, ErrorCode.NotFound, []],
      [Contract.deleteSchedule, { id: randomUUID() }, ErrorCode.NotFound, []],
      [Contract.listSchedules, { limit: 0 }, ErrorCode.ValidationFailed, ['limit']],
      [Contract.listSchedules, { cursor: 'bm9wZQ' }, ErrorCode.ValidationFailed, ['cursor']],
      [Contract.listSchedules, { agentId: 'x' }, ErrorCode.ValidationFailed, ['agentId']],
      [Contract.listNotifications, { limit: 101 }, ErrorCode.ValidationFailed, ['limit']],
      [Contract.listNotifications, { cursor: 'bm9wZQ' }, ErrorCode.ValidationFailed, ['cursor']],
      [Contract.markNotificationRead, { id: randomUUID() }, ErrorCode.NotFound, []],
      [Contract.markNotificationRead, { id: 'x' }, ErrorCode.ValidationFailed, ['id']],
      [Contract.markAllNotificationsRead, { all: true }, ErrorCode.ValidationFailed, ['all']],
    ];
    for (const [def, payload, code, fields] of otherCases) {
      const seen = await rejection(request(def, payload, alice));
      expect({ subject: def.subject, payload, ...seen }).toEqual({
        subject: def.subject,
        payload,
        code,
        fields,
      });
    }
    expect(await rejection(app.bus.request(Contract.listSchedules, {}, { userId: null }))).toMatchObject({
      code: ErrorCode.Unauthenticated,
    });
    await expect(app.bus.request(AgentsContract.checkHealth, {}, alice)).resolves.toMatchObject({
      status: 'ok',
    });
    await app.bus.request(Contract.deleteSchedule, { id: schedule.id }, alice);
  });
});

describe('scheduled agents across a restart', () => {
  let app: SchedulesTestApp;
  const owner: CallerContext = { userId: `dana-${randomUUID()}` };

  beforeAll(async () => {
    app = await startSchedulesTestApp({
      replicas: 1,
      env: {
        AGENTS_SCHEDULE_CATCH_UP_MAX: '5',
        AGENTS_SCHEDULE_FIRE_RETENTION_MS: '3600000',
        AGENTS_NOTIFICATION_RETENTION_MS: String(30 * 24 * 3_600_000),
        AGENTS_MAX_SCHEDULES_PER_USER: '6',
      },
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  it('fires what came due while the service was down when it returns, as each catch-up policy says', async () => {
    const agent = (await app.bus.request(AgentsContract.createAgent, { name: 'Dana’s' }, owner)).id;
    app.clock.set('2026-06-01T08:30:00Z');
    const create = (prompt: string, fields: Record<string, unknown>) =>
      app.bus.request(Contract.createSchedule, { agentId: agent, prompt, ...fields } as never, owner);
    const latest = await create('latest', { cron: '0 * * * *', catchUp: 'latest' });
    const all = await create('all', { cron: '0 * * * *', catchUp: 'all' });
    const none = await create('none', { cron: '0 * * * *', catchUp: 'none' });
    const once = await create('once', { runAt: '2026-06-01T09:30:00Z' });
    const onceNone = await create('once none', { runAt: '2026-06-01T09:30:00Z', catchUp: 'none' });

    await app.stopReplica(app.replicas[0]!);
    // Down from 08:30 to 16:20: slots 09:00 to 16:00 (eight) and both one-offs were missed.
    app.clock.set('2026-06-01T16:20:00Z');
    await app.addReplica();
    await app.tickAll();
    await waitFor(
      () => app.events.length === 1 + 5 + 1,
      () => `seven notifications (saw ${app.events.map((e) => e.notification.body).join(', ')})`,
    );
    const slotsOf = async (id: string) => (await firesOf(app, id)).map((f) => f.slot.toISOString());
    expect(await slotsOf(latest.id)).toEqual(['2026-06-01T16:00:00.000Z']);
    expect(await slotsOf(all.id)).toEqual(
      ['12', '13', '14', '15', '16'].map((h) => `2026-06-01T${h}:00:00.000Z`),
    );
    expect(await slotsOf(none.id)).toEqual([]);
    expect(await slotsOf(once.id)).toEqual(['2026-06-01T09:30:00.000Z']);
    expect(await slotsOf(onceNone.id)).toEqual([]);
    for (const schedule of [latest, all, none]) {
      expect(await app.bus.request(Contract.getSchedule, { id: schedule.id }, owner)).toMatchObject({
        nextFireAt: '2026-06-01T17:00:00.000Z',
      });
    }
    expect(await app.bus.request(Contract.getSchedule, { id: onceNone.id }, owner)).toMatchObject({
      state: 'finished',
    });
  });

  it('forgets the records of fires past their retention, and keeps their notifications', async () => {
    const { rows: before } = await app
      .pool()
      .query<{ count: string }>('SELECT count(*)::text AS count FROM schedule_fires');
    expect(Number(before[0]!.count)).toBeGreaterThan(0);
    const told = (await app.bus.request(Contract.listNotifications, { limit: 100 }, owner)).data.length;
    // The fires above ended at 16:20; an hour later they are past their retention.
    await app.stopReplica(app.replicas[0]!);
    app.clock.set('2026-06-01T17:30:00Z');
    await app.addReplica();
    await app.tickAll();
    await waitFor(async () => {
      const { rows } = await app
        .pool()
        .query<{ count: string }>(
          `SELECT count(*)::text AS count FROM schedule_fires WHERE finished_at < '2026-06-01T16:30:00Z'`,
        );
      return rows[0]!.count === '0';
    }, 'the old fire records gone');
    const now = await app.bus.request(Contract.listNotifications, { limit: 100 }, owner);
    expect(now.data.length).toBeGreaterThanOrEqual(told);
  });

  it('deletes notifications past their retention, read or not, once, with replicas pruning at the same time', async () => {
    const reader: CallerContext = { userId: `erin-${randomUUID()}` };
    const now = app.clock.now();
    const day = 24 * 3_600_000;
    const store = (count: number, ageMs: number, published: boolean, read = false) =>
      app.pool().query(
        `INSERT INTO notifications (id, user_id, kind, status, title, body, agent_id, created_at,
           published_at, read_at)
         SELECT gen_random_uuid(), $1, 'agent.run', 'succeeded', 'news', 'news', $2, $3, $4, $5
         FROM generate_series(1, $6)`,
        [
          reader.userId,
          randomUUID(),
          new Date(now.getTime() - ageMs),
          published ? now : null,
          read ? now : null,
          count,
        ],
      );
    await store(1_200, 31 * day, true);
    await store(300, 40 * day, true, true);
    await store(5, 29 * day, true);
    const list = () => app.bus.request(Contract.listNotifications, { limit: 100 }, reader);
    // The new replica's first pass prunes too: three at once, each row deleted by one of them.
    const second = await app.addReplica();
    const [first, other] = [app.replicas[0]!, second].map((replica) => replica.get(NotificationRetention));
    const deleted = await Promise.all([first!.prune(now), other!.prune(now)]);
    expect(deleted[0]! + deleted[1]!).toBeLessThanOrEqual(1_500);
    expect((await list()).data).toHaveLength(5);
    // The scheduler's passes prune by themselves (a replica's first pass, then once a minute).
    await store(2, 31 * day, false);
    await app.stopReplica(second);
    await app.addReplica();
    await waitFor(async () => (await list()).data.length === 5, 'the old notifications deleted by a pass');
  });

  it('refuses a schedule past the most one user may have, and only that user', async () => {
    const agent = (await app.bus.request(AgentsContract.listAgents, {}, owner)).data[0]!.id;
    const fields = { agentId: agent, prompt: 'one more', cron: '0 12 * * *' };
    const mine = await app.bus.request(Contract.listSchedules, { limit: 100 }, owner);
    expect(mine.data).toHaveLength(5);
    await app.bus.request(Contract.createSchedule, fields, owner);
    expect(await rejection(app.bus.request(Contract.createSchedule, fields, owner))).toMatchObject({
      code: ErrorCode.Conflict,
    });
    const other: CallerContext = { userId: `erin-${randomUUID()}` };
    const theirs = (await app.bus.request(AgentsContract.createAgent, { name: 'Erin’s' }, other)).id;
    await expect(
      app.bus.request(Contract.createSchedule, { ...fields, agentId: theirs }, other),
    ).resolves.toMatchObject({ state: 'active' });
  });
});

async function firesOf(app: SchedulesTestApp, scheduleId: string) {
  const { rows } = await app
    .pool()
    .query<{ slot: Date; status: string }>(
      'SELECT slot, status FROM schedule_fires WHERE schedule_id = $1 ORDER BY slot',
      [scheduleId],
    );
  return rows;
}
