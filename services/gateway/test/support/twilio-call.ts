import { mulaw } from 'alawmulaw';
import twilio from 'twilio';
import WebSocket from 'ws';
import { framesOf, waitFor } from '@conduit/testing';

export const TEST_TWILIO_AUTH_TOKEN = 'test-twilio-auth-token-0123456789';
/** The origin Twilio would reach the test gateway at (behind a TLS proxy); sockets go to the real port. */
export const TEST_PUBLIC_BASE_URL = 'https://phone.conduit.test';

/** Posts a call webhook as Twilio does: a form body signed with the auth token (X-Twilio-Signature). */
export async function postCallWebhook(
  gatewayUrl: string,
  pathAndQuery: string,
  params: Record<string, string>,
  options: { authToken?: string; signature?: string } = {},
): Promise<Response> {
  const signed = `${TEST_PUBLIC_BASE_URL}${pathAndQuery}`;
  const signature =
    options.signature ??
    twilio.getExpectedTwilioSignature(options.authToken ?? TEST_TWILIO_AUTH_TOKEN, signed, params);
  return fetch(`${gatewayUrl}${pathAndQuery}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
    body: new URLSearchParams(params),
  });
}

/** The media stream URL of `<Connect><Stream url="…">`, pointed at the test gateway's real port. */
export function streamUrlOf(twiml: string, gatewayUrl: string): string {
  const url = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  if (!url) throw new Error(`no <Stream> in ${twiml}`);
  const stream = new URL(url.replaceAll('&amp;', '&'));
  return `${gatewayUrl.replace('http', 'ws')}${stream.pathname}`;
}

/** Twilio's signature of a media stream upgrade: over its public URL (wss:, no form parameters). */
export function streamSignatureOf(url: string, authToken: string): string {
  const { pathname, search } = new URL(url);
  const publicUrl = `${TEST_PUBLIC_BASE_URL.replace(/^https:/, 'wss:')}${pathname}${search}`;
  return twilio.getExpectedTwilioSignature(authToken, publicUrl, {});
}

type Reply =
  | { event: 'media'; streamSid: string; media: { payload: string } }
  | { event: 'mark'; streamSid: string; mark: { name: string } }
  | { event: 'clear'; streamSid: string };

/**
 * Twilio's side of a bidirectional media stream: `connected`, `start`, the caller's audio as 20 ms
 * μ-law `media` messages at real-time pace, `stop`; keeps what the gateway sends back.
 */
export class TwilioMediaClient {
  readonly replies: Reply[] = [];
  closed: { code: number; reason: string } | null = null;
  private sequence = 1;
  private chunk = 1;

  private constructor(
    readonly ws: WebSocket,
    readonly callSid: string,
    readonly streamSid: string,
  ) {
    ws.on('message', (data) => this.replies.push(JSON.parse(String(data)) as Reply));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  /**
   * Opens the stream at `url` (the test gateway's real port) as Twilio does: the upgrade signed
   * (X-Twilio-Signature) over the stream's public wss:// URL, unless `signature` is given (null: none).
   */
  static connect(
    url: string,
    callSid: string,
    options: { signature?: string | null } = {},
  ): Promise<TwilioMediaClient> {
    const signature =
      options.signature === undefined ? streamSignatureOf(url, TEST_TWILIO_AUTH_TOKEN) : options.signature;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(
        url,
        signature === null ? {} : { headers: { 'x-twilio-signature': signature } },
      );
      const client = new TwilioMediaClient(ws, callSid, `MZ${callSid.slice(2)}`);
      ws.once('open', () => resolve(client));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  start(callSid = this.callSid): void {
    this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
    this.send({
      event: 'start',
      sequenceNumber: String(this.sequence++),
      streamSid: this.streamSid,
      start: {
        streamSid: this.streamSid,
        accountSid: 'ACtest',
        callSid,
        tracks: ['inbound'],
        customParameters: {},
        mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
      },
    });
  }

  sendMedia(mulawFrame: Buffer): void {
    this.send({
      event: 'media',
      sequenceNumber: String(this.sequence++),
      streamSid: this.streamSid,
      media: {
        track: 'inbound',
        chunk: String(this.chunk),
        timestamp: String(this.chunk++ * 20),
        payload: mulawFrame.toString('base64'),
      },
    });
  }

  /** Speaks 8 kHz PCM as a phone line does: 20 ms μ-law frames, each once its time has come. */
  speak(pcm8k: Buffer): Promise<void> {
    const frames = framesOf(pcm8k, 8_000).map((frame) => {
      const samples = new Int16Array(Buffer.from(frame).buffer, 0, frame.length / 2);
      return Buffer.from(mulaw.encode(samples));
    });
    const started = Date.now();
    let sent = 0;
    return new Promise((resolve) => {
      const timer = setInterval(() => {
        const due = Math.min(frames.length, Math.floor((Date.now() - started) / 20) + 1);
        while (sent < due && this.ws.readyState === WebSocket.OPEN) this.sendMedia(frames[sent++]!);
        if (sent === frames.length || this.ws.readyState !== WebSocket.OPEN) {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
  }

  stop(): void {
    this.send({
      event: 'stop',
      sequenceNumber: String(this.sequence++),
      streamSid: this.streamSid,
      stop: { accountSid: 'ACtest', callSid: this.callSid },
    });
  }

  media(): Buffer[] {
    return this.replies.flatMap((r) => (r.event === 'media' ? [Buffer.from(r.media.payload, 'base64')] : []));
  }

  async waitClosed(): Promise<{ code: number; reason: string }> {
    await waitFor(() => this.closed !== null, 'the media stream to close');
    return this.closed!;
  }
}
