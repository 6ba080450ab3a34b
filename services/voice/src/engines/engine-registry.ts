import type { EngineAvailability } from '../stt/speech-to-text.port';

interface Engine {
  readonly id: string;
  availability(): Promise<EngineAvailability>;
}

/** The engine a client asked for is not one this service has. */
export class UnknownEngineError extends Error {
  constructor(
    readonly kind: string,
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(`unknown ${kind} engine "${requested}"; this service has: ${known.join(', ') || 'none'}`);
    this.name = 'UnknownEngineError';
  }
}

/** Engines of one kind by id, with the configured default. Adding a provider is one line where it is built. */
export class EngineRegistry<E extends Engine> {
  private readonly byId: ReadonlyMap<string, E>;

  constructor(
    readonly kind: 'speech-to-text' | 'text-to-speech',
    engines: readonly E[],
    readonly defaultId: string,
  ) {
    this.byId = new Map(engines.map((engine) => [engine.id, engine]));
  }

  /** The engine named `id`, or the default one. */
  get(id: string = this.defaultId): E {
    const engine = this.byId.get(id);
    if (!engine) throw new UnknownEngineError(this.kind, id, [...this.byId.keys()]);
    return engine;
  }

  list(): readonly E[] {
    return [...this.byId.values()];
  }

  /** Each engine's availability, for the start-up log and the voices endpoint. */
  async availability(): Promise<ReadonlyArray<{ id: string } & EngineAvailability>> {
    return Promise.all(
      this.list().map(async (engine) => ({ id: engine.id, ...(await engine.availability()) })),
    );
  }
}
