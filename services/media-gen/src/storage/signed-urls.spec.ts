import { SignedUrls } from './signed-urls';

const JOB = '6f1c2b9e-1d2a-4c3b-9e8f-0a1b2c3d4e5f';

describe('SignedUrls', () => {
  const urls = new SignedUrls('a-secret-long-enough-for-hmac-sha256-use', 60_000);
  const now = Date.UTC(2026, 11, 6, 12, 0, 0);
  const refOf = (url: string) => {
    const { pathname, searchParams } = new URL(url, 'http://x');
    const [, , , , , jobId, index] = pathname.split('/');
    return {
      jobId: jobId!,
      index: Number(index),
      expires: Number(searchParams.get('expires')),
      signature: searchParams.get('signature')!,
    };
  };

  it('signs a URL only its owner can use, until it expires', () => {
    const signed = urls.sign('alice', JOB, 1, now);
    expect(signed.url).toMatch(
      new RegExp(`^/api/v1/media/files/${JOB}/1\\?expires=\\d+&signature=[0-9a-f]{64}$`),
    );
    expect(signed.expiresAt.getTime()).toBe(now + 60_000);
    const ref = refOf(signed.url);
    expect(urls.check('alice', ref, now)).toBe('valid');
    expect(urls.check('bob', ref, now)).toBe('mismatch');
    expect(urls.check('alice', ref, now + 61_000)).toBe('expired');
  });

  it('refuses a URL whose file, expiry or signature was changed, or that another key signed', () => {
    const ref = refOf(urls.sign('alice', JOB, 0, now).url);
    expect(urls.check('alice', { ...ref, index: 1 }, now)).toBe('mismatch');
    expect(urls.check('alice', { ...ref, expires: ref.expires + 3600 }, now)).toBe('mismatch');
    expect(urls.check('alice', { ...ref, signature: '0'.repeat(64) }, now)).toBe('mismatch');
    const other = new SignedUrls('another-secret-long-enough-for-hmac-sha256', 60_000);
    expect(other.check('alice', ref, now)).toBe('mismatch');
  });

  it('signs uploaded files apart from results: one URL is never valid as the other', () => {
    const signed = urls.signStoredFile('alice', JOB, now);
    const { pathname, searchParams } = new URL(signed.url, 'http://x');
    expect(pathname).toBe(`/api/v1/storage/files/${JOB}/content`);
    const ref = {
      id: JOB,
      expires: Number(searchParams.get('expires')),
      signature: searchParams.get('signature')!,
    };
    expect(urls.checkStoredFile('alice', ref, now)).toBe('valid');
    expect(urls.checkStoredFile('bob', ref, now)).toBe('mismatch');
    expect(urls.checkStoredFile('alice', ref, now + 61_000)).toBe('expired');
    expect(
      urls.check('alice', { jobId: JOB, index: 0, expires: ref.expires, signature: ref.signature }, now),
    ).toBe('mismatch');
  });
});
