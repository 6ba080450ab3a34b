import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedFileRef, SignedStoredFileRef } from '@conduit/contracts';

export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

export type UrlCheck = 'valid' | 'mismatch' | 'expired';

/**
 * File URLs the gateway serves: results at `/api/v1/media/files/<jobId>/<index>?expires=<unix s>&signature=<hex>`,
 * uploaded files at `/api/v1/storage/files/<id>/content?expires=...&signature=...`, the signature an
 * HMAC-SHA256 over the owner, the file and the expiry. Only the owner's own request with an unexpired,
 * untouched URL reads the file.
 */
export class SignedUrls {
  constructor(
    private readonly secret: string,
    private readonly ttlMs: number,
  ) {}

  sign(userId: string, jobId: string, index: number, now = Date.now()): SignedUrl {
    const expires = Math.ceil((now + this.ttlMs) / 1000);
    const signature = this.signatureOf(userId, jobId, index, expires);
    return {
      url: `/api/v1/media/files/${jobId}/${index}?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000),
    };
  }

  /** `valid`, or why not: someone else's or altered (`mismatch`), or past its time (`expired`). */
  check(userId: string, ref: SignedFileRef, now = Date.now()): UrlCheck {
    return this.verdict(this.signatureOf(userId, ref.jobId, ref.index, ref.expires), ref, now);
  }

  signStoredFile(userId: string, fileId: string, now = Date.now()): SignedUrl {
    const expires = Math.ceil((now + this.ttlMs) / 1000);
    const signature = this.storedFileSignatureOf(userId, fileId, expires);
    return {
      url: `/api/v1/storage/files/${fileId}/content?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000),
    };
  }

  checkStoredFile(userId: string, ref: SignedStoredFileRef, now = Date.now()): UrlCheck {
    return this.verdict(this.storedFileSignatureOf(userId, ref.id, ref.expires), ref, now);
  }

  private verdict(expectedHex: string, ref: { expires: number; signature: string }, now: number): UrlCheck {
    const expected = Buffer.from(expectedHex, 'hex');
    const given = Buffer.from(ref.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
    return ref.expires * 1000 < now ? 'expired' : 'valid';
  }

  private signatureOf(userId: string, jobId: string, index: number, expires: number): string {
    return this.hmac(`${userId}\n${jobId.toLowerCase()}\n${index}\n${expires}`);
  }

  /** `stored-file` stands where a result's index would: no result URL's signature is a file's. */
  private storedFileSignatureOf(userId: string, fileId: string, expires: number): string {
    return this.hmac(`${userId}\n${fileId.toLowerCase()}\nstored-file\n${expires}`);
  }

  private hmac(text: string): string {
    return createHmac('sha256', this.secret).update(text).digest('hex');
  }
}
