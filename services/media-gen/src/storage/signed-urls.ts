import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SignedFileRef } from '@conduit/contracts';

export interface SignedUrl {
  url: string;
  expiresAt: Date;
}

/**
 * Result URLs the gateway serves: `/api/v1/media/files/<jobId>/<index>?expires=<unix s>&signature=<hex>`,
 * the signature an HMAC-SHA256 over the owner, the file and the expiry. Only the owner's own request
 * with an unexpired, untouched URL reads the file.
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
  check(userId: string, ref: SignedFileRef, now = Date.now()): 'valid' | 'mismatch' | 'expired' {
    const expected = Buffer.from(this.signatureOf(userId, ref.jobId, ref.index, ref.expires), 'hex');
    const given = Buffer.from(ref.signature, 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'mismatch';
    return ref.expires * 1000 < now ? 'expired' : 'valid';
  }

  private signatureOf(userId: string, jobId: string, index: number, expires: number): string {
    return createHmac('sha256', this.secret)
      .update(`${userId}\n${jobId.toLowerCase()}\n${index}\n${expires}`)
      .digest('hex');
  }
}
