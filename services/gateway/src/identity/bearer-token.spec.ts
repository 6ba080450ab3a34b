import { bearerTokenFrom } from './bearer-token';

describe('bearerTokenFrom', () => {
  it('takes the token from a Bearer header, whatever the scheme case', () => {
    expect(bearerTokenFrom('Bearer abc.def')).toBe('abc.def');
    expect(bearerTokenFrom('bearer   ck_123 ')).toBe('ck_123');
  });

  it('is null for anything else', () => {
    for (const header of [
      undefined,
      '',
      'Bearer',
      'Bearer ',
      'Basic dXNlcjpwYXNz',
      'Bearer a b',
      ['Bearer x'],
    ]) {
      expect(bearerTokenFrom(header)).toBeNull();
    }
  });
});
