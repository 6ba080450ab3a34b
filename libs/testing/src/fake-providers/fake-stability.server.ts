import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAKE_OPENAI_PNG_BASE64 } from './fake-openai-images';
import { serveOnLoopback } from './loopback-http-server';
import { readBody, ScriptedFaults, type ScriptedFault } from './scripted-faults';

/** The form fields of one `POST /v2beta/stable-image/generate/<route>` the fake received. */
export interface StabilityGenerateRequest {
  readonly route: string;
  readonly accept: string | undefined;
  readonly fields: Readonly<Record<string, string>>;
}

export interface FakeStabilityServer {
  /** The base URL to configure (`STABILITY_BASE_URL`). */
  readonly url: string;
  readonly requests: readonly StabilityGenerateRequest[];
  enqueue(...faults: ScriptedFault[]): void;
  /** The next generations finish with `CONTENT_FILTERED` (a 200 whose image is blurred, as the real API does). */
  filterNext(count?: number): void;
  close(): Promise<void>;
}

const ROUTES = new Set(['core', 'ultra', 'sd3']);
const ASPECT_RATIOS = new Set(['16:9', '1:1', '21:9', '2:3', '3:2', '4:5', '5:4', '9:16', '9:21']);
const SD3_MODELS = new Set(['sd3.5-large', 'sd3.5-large-turbo', 'sd3.5-medium']);

/** Stability's error body: `{ id, name, errors }`. */
const errorBody = (name: string, ...errors: string[]) => ({ id: 'fake-error-id', name, errors });

/**
 * Stability AI's Stable Image generation API on loopback, as its reference documents it: multipart form
 * in, `Authorization: Bearer`, JSON out (`image` in base64, `finish_reason`, `seed`) when asked with
 * `Accept: application/json`, and its `{ id, name, errors }` bodies for refusals.
 */
export async function startFakeStability(options: { apiKey: string }): Promise<FakeStabilityServer> {
  const requests: StabilityGenerateRequest[] = [];
  const faults = new ScriptedFaults();
  let filtered = 0;

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = await serveOnLoopback(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = /^\/v2beta\/stable-image\/generate\/([a-z0-9]+)$/.exec(url.pathname)?.[1];
    if (req.method !== 'POST' || !route || !ROUTES.has(route)) {
      return reply(res, 404, errorBody('not_found', `${req.method} ${url.pathname} was not found`));
    }
    if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
      return reply(res, 401, errorBody('unauthorized', 'authorization: invalid or missing API key'));
    }
    const body = await readBody(req);
    const form = await new Request('http://fake/', {
      method: 'POST',
      headers: { 'content-type': req.headers['content-type'] ?? '' },
      body,
    })
      .formData()
      .catch(() => undefined);
    if (!form) return reply(res, 400, errorBody('bad_request', 'the body must be multipart/form-data'));
    const fields: Record<string, string> = {};
    for (const [name, value] of form) if (typeof value === 'string') fields[name] = value;
    requests.push({ route, accept: req.headers.accept, fields });

    if (faults.answerNext(res)) return;
    const problems: string[] = [];
    if (!fields.prompt) problems.push('prompt: cannot be empty');
    if (fields.aspect_ratio && !ASPECT_RATIOS.has(fields.aspect_ratio))
      problems.push(`aspect_ratio: must be one of ${[...ASPECT_RATIOS].join(', ')}`);
    if (route === 'sd3' && fields.model && !SD3_MODELS.has(fields.model))
      problems.push(`model: must be one of ${[...SD3_MODELS].join(', ')}`);
    if (problems.length > 0) return reply(res, 400, errorBody('bad_request', ...problems));
    if (req.headers.accept !== 'application/json') {
      // The real API answers raw bytes for `image/*`; this fake serves only the JSON form the platform asks for.
      return reply(res, 400, errorBody('bad_request', 'accept: this fake answers application/json only'));
    }

    const finishReason = filtered > 0 ? 'CONTENT_FILTERED' : 'SUCCESS';
    if (filtered > 0) filtered--;
    reply(res, 200, { image: FAKE_OPENAI_PNG_BASE64, finish_reason: finishReason, seed: 1234 });
  });

  return {
    url: server.url,
    requests,
    enqueue: (...next) => faults.enqueue(...next),
    filterNext: (count = 1) => {
      filtered += count;
    },
    close: () => server.close(),
  };
}
