import { DomainError } from '@conduit/contracts';
import { OfflineProvider } from './offline.provider';
import { ProviderRegistry } from './provider-registry';

describe('ProviderRegistry', () => {
  const registry = () =>
    new ProviderRegistry()
      .register(new OfflineProvider())
      .registerUnconfigured('openai', 'set OPENAI_API_KEY');

  it('returns a configured provider by id', () => {
    expect(registry().get('offline')).toBeInstanceOf(OfflineProvider);
    expect(registry().isConfigured('offline')).toBe(true);
  });

  it('answers MODEL_UNAVAILABLE, with the setup hint, for a known provider without configuration', () => {
    expect(() => registry().get('openai')).toThrow(
      expect.objectContaining({
        code: 'MODEL_UNAVAILABLE',
        message: 'Provider "openai" is not configured on this server (set OPENAI_API_KEY)',
      }),
    );
    expect(registry().isKnown('openai')).toBe(true);
    expect(registry().isConfigured('openai')).toBe(false);
  });

  it('answers UNKNOWN_MODEL for a provider it has never heard of', () => {
    let error: unknown;
    try {
      registry().get('nobody');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'UNKNOWN_MODEL', details: { provider: 'nobody' } });
  });

  it('refuses to register an id twice, configured or not', () => {
    expect(() => registry().register(new OfflineProvider())).toThrow(/registered twice/);
    expect(() => registry().registerUnconfigured('offline', 'x')).toThrow(/registered twice/);
    expect(() => registry().registerUnconfigured('openai', 'x')).toThrow(/registered twice/);
  });
});
