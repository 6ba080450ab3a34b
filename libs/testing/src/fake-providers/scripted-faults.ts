import type { ServerResponse } from 'node:http';

/** A fault a fake image provider answers with instead of its normal reply. */
export type ScriptedFault =
  /** An HTTP error in the provider's own body shape, with headers such as `retry-after`. */
  | {
      readonly kind: 'status';
      readonly status: number;
      readonly body: unknown;
      readonly headers?: Record<string, string>;
    }
  /** The socket is cut before any answer. */
  | { readonly kind: 'drop' }
  /** No answer at all, until the client gives up or the server closes. */
  | { readonly kind: 'stall' };

/** Faults queued for the next requests, one each, oldest first. */
export class ScriptedFaults {
  private readonly queue: ScriptedFault[] = [];

  enqueue(...faults: ScriptedFault[]): void {
    this.queue.push(...faults);
  }

  /** Answers the next queued fault, if any; true when it did (the normal reply must not follow). */
  answerNext(res: ServerResponse): boolean {
    const fault = this.queue.shift();
    if (!fault) return false;
    switch (fault.kind) {
      case 'status':
        res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
        res.end(JSON.stringify(fault.body));
        return true;
      case 'drop':
        res.destroy();
        return true;
      case 'stall':
        return true;
    }
  }

  clear(): void {
    this.queue.length = 0;
  }
}

/** The whole request body. */
export async function readBody(req: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
}
