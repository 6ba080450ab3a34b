/**
 * The `Idempotency-Key` of each submit. A submit that got no answer (the network failed) is sent again
 * with the same key when the form has not changed, so the retry gives back the job it may have made
 * instead of a second one; once answered (accepted or refused), the next submit is a new job.
 */
export class SubmissionKeys {
  private pending: { body: string; key: string } | null = null;

  constructor(private readonly newKey: () => string = randomKey) {}

  keyFor(body: unknown): string {
    const text = JSON.stringify(body);
    if (this.pending?.body !== text) this.pending = { body: text, key: this.newKey() };
    return this.pending.key;
  }

  answered(): void {
    this.pending = null;
  }
}

/** 128 random bits as hex (getRandomValues works on plain http too, where randomUUID is missing). */
function randomKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
