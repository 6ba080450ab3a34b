import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChatContract, defineService, UsageContract } from '@conduit/contracts';
import { permissionsOf, renderDeclaredAuthConf } from './auth-conf';

const COMMITTED = join(__dirname, '..', '..', '..', 'deploy', 'nats', 'auth.conf');

describe('deploy/nats/auth.conf', () => {
  it('is what the service declarations in libs/contracts render (run `npm run nats:auth` after changing them)', () => {
    expect(readFileSync(COMMITTED, 'utf8')).toBe(renderDeclaredAuthConf());
  });

  it('gives a service its requests in its queue group, its streams and events, and the JetStream it owns', () => {
    const chat = permissionsOf(
      defineService({ name: 'chat', handles: [ChatContract], publishes: [ChatContract.messageCreated] }),
    );
    expect(chat.subscribe).toEqual(
      expect.arrayContaining([
        'chat.completion.start chat',
        'chat.completion.cancel.* cancel',
        '_INBOX_chat.>',
      ]),
    );
    expect(chat.publish).toEqual(
      expect.arrayContaining([
        'chat.completion.events.*',
        'chat.message.created',
        '$JS.API.STREAM.CREATE.CHAT_EVENTS',
        '$JS.API.STREAM.CREATE.CHAT_COMPLETIONS',
      ]),
    );
    expect(chat.publish).not.toContain('chat.completion.start');
    expect(chat.allowResponses).toBe(true);
  });

  it('lets a caller send requests and cancels and read streams, but not serve, produce or publish events', () => {
    const caller = permissionsOf(defineService({ name: 'edge', calls: [ChatContract, UsageContract] }));
    expect(caller.publish).toEqual(
      expect.arrayContaining([
        'chat.completion.start',
        'chat.completion.cancel.*',
        '$JS.API.CONSUMER.CREATE.CHAT_COMPLETIONS',
      ]),
    );
    expect(caller.publish).not.toEqual(expect.arrayContaining(['chat.message.created']));
    expect(caller.publish).not.toContain(UsageContract.budgetsChanged.subject);
    expect(caller.publish).not.toContain('chat.completion.events.*');
    expect(caller.publish).not.toContain('$JS.API.STREAM.CREATE.CHAT_COMPLETIONS');
    expect(caller.subscribe).toEqual(['chat.completion.events.*', '_INBOX_edge.>']);
    expect(caller.allowResponses).toBe(false);
  });
});
