import { Writable } from 'node:stream';
import pino from 'pino';
import { PinoNestLogger } from './logger';

function nestLoggerAt(level: string) {
  const lines: { level: number; msg: string; context?: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  return { logger: new PinoNestLogger(pino({ level }, destination)), lines };
}

describe('PinoNestLogger', () => {
  it("keeps Nest's start-up narration (modules, routes) out of info", () => {
    const { logger, lines } = nestLoggerAt('info');
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('ChatController {/api/v1/chat}:', 'RoutesResolver');
    logger.log('Mapped {/api/v1/chat/sessions, POST} route', 'RouterExplorer');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.log('Nest microservice successfully started', 'NestMicroservice');
    logger.log('Starting Nest application...', 'NestFactory');
    expect(lines).toEqual([]);
  });

  it('shows it at debug, and everything else as before', () => {
    const { logger, lines } = nestLoggerAt('debug');
    logger.log('Mapped {/healthz, GET} route', 'RouterExplorer');
    logger.log('a message of our own', 'AccessTokens');
    logger.warn('careful', 'AccessTokens');
    expect(lines.map((l) => [l.level, l.msg, l.context])).toEqual([
      [20, 'Mapped {/healthz, GET} route', 'RouterExplorer'],
      [30, 'a message of our own', 'AccessTokens'],
      [40, 'careful', 'AccessTokens'],
    ]);
  });
});
