import { OfflineProvider } from '../providers/offline.provider';
import { ProviderRegistry } from '../providers/provider-registry';
import { OFFLINE_MODEL } from './builtin-models';
import { ModelCatalog, type ModelDefinition } from './model-catalog';

const model = (id: string, provider: string): ModelDefinition => ({
  id,
  provider,
  name: id,
  contextWindow: 8_192,
  maxOutputTokens: 1_024,
  pricing: { inputPerMTokUsd: 1, outputPerMTokUsd: 2, cachedInputPerMTokUsd: 0.5 },
  capabilities: ['streaming'],
});

function registry(): ProviderRegistry {
  return new ProviderRegistry()
    .register(new OfflineProvider())
    .register({ id: 'local', stream: () => (async function* () {})() })
    .registerUnconfigured('remote', 'set REMOTE_KEY');
}

describe('ModelCatalog', () => {
  it('marks models available exactly when their provider is configured, keeping definition order', () => {
    const catalog = new ModelCatalog(
      [model('remote/a', 'remote'), model('local/b', 'local'), OFFLINE_MODEL],
      registry(),
    );

    expect(catalog.list().map(({ id, available }) => [id, available])).toEqual([
      ['remote/a', false],
      ['local/b', true],
      ['offline/placeholder', true],
    ]);
    expect(catalog.defaultModelId()).toBe('local/b');
  });

  it('falls back to the offline placeholder when no real model is available', () => {
    const catalog = new ModelCatalog([model('remote/a', 'remote'), OFFLINE_MODEL], registry());

    expect(catalog.defaultModelId()).toBe('offline/placeholder');
    expect(catalog.defaultModel()).toMatchObject({ id: 'offline/placeholder', available: true });
  });

  it('refuses to start with nothing available at all', () => {
    expect(() => new ModelCatalog([model('remote/a', 'remote')], registry())).toThrow(
      /No model is available/,
    );
  });

  it('rejects definitions that are inconsistent', () => {
    expect(() => new ModelCatalog([model('local/a', 'remote'), OFFLINE_MODEL], registry())).toThrow(
      /must be "remote\/<model>"/,
    );
    expect(() => new ModelCatalog([model('local/', 'local'), OFFLINE_MODEL], registry())).toThrow(/must be/);
    expect(
      () => new ModelCatalog([model('local/a', 'local'), model('local/a', 'local')], registry()),
    ).toThrow(/defined twice/);
    expect(() => new ModelCatalog([model('ghost/a', 'ghost'), OFFLINE_MODEL], registry())).toThrow(
      /unregistered provider "ghost"/,
    );
  });
});
