import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import { Bus } from '@conduit/bus';
import type { RequestDef } from '@conduit/contracts';
import { REDIS } from '@conduit/service-kit';

export type RoundTrip = { to: 'redis'; command: string; keys: string[] } | { to: 'nats'; subject: string };

/**
 * Records, in order, every command the gateway sends to Redis and every request it makes over NATS,
 * by wrapping its own clients. Keys are given without the gateway's key prefix: a script's KEYS, or
 * another command's first argument.
 */
export class RoundTripLog {
  readonly entries: RoundTrip[] = [];

  constructor(app: NestFastifyApplication) {
    const redis = app.get<Redis>(REDIS);
    const prefix = String(redis.options.keyPrefix ?? '');
    const sendCommand = redis.sendCommand.bind(redis);
    redis.sendCommand = (command, stream) => {
      const keys =
        command.name === 'evalsha' || command.name === 'eval'
          ? command.args.slice(2, 2 + Number(command.args[1]))
          : command.args.slice(0, 1);
      this.entries.push({
        to: 'redis',
        command: command.name,
        keys: keys.map((key) => String(key).replace(prefix, '')),
      });
      return sendCommand(command, stream);
    };
    const bus = app.get(Bus);
    const request = bus.request.bind(bus) as (def: RequestDef, ...rest: unknown[]) => Promise<unknown>;
    bus.request = ((def: RequestDef, ...rest: unknown[]) => {
      this.entries.push({ to: 'nats', subject: def.subject });
      return request(def, ...rest);
    }) as Bus['request'];
  }

  clear(): void {
    this.entries.splice(0);
  }

  /** What went to Redis before the first NATS request to `subject`. */
  redisBefore(subject: string): RoundTrip[] {
    const at = this.entries.findIndex((e) => e.to === 'nats' && e.subject === subject);
    if (at < 0) throw new Error(`no NATS request to ${subject}: ${JSON.stringify(this.entries)}`);
    return this.entries.slice(0, at).filter((e) => e.to === 'redis');
  }

  get redisCommands(): RoundTrip[] {
    return this.entries.filter((e) => e.to === 'redis');
  }
}
