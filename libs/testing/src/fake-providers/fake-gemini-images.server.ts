import type { IncomingMessage, ServerResponse } from 'node:http';
import { FAKE_OPENAI_PNG_BASE64 } from './fake-openai-images';
import { serveOnLoopback } from './loopback-http-server';
import { readBody, ScriptedFaults, type ScriptedFault } from './scripted-faults';

/** One `generateContent` call the fake received: the model named in its path and its JSON body. */
export interface GeminiGenerateRequest {
  readonly model: string;
  readonly body: GeminiGenerateContentBody;
}

export interface GeminiGenerateContentBody {
  contents?: {
    role?: string;
    parts?: { text?: string; inlineData?: { mimeType?: string; data?: string } }[];
  }[];
  generationConfig?: { responseModalities?: string[]; imageConfig?: { aspectRatio?: string } };
}

export interface FakeGeminiImagesServer {
  /** The base URL to configure (`GEMINI_BASE_URL`); the SDK adds `/v1beta/...` itself. */
  readonly url: string;
  readonly requests: readonly GeminiGenerateRequest[];
  enqueue(...faults: ScriptedFault[]): void;
  /** The next answers end with this finish reason and no image (`IMAGE_SAFETY`, `PROHIBITED_CONTENT`). */
  refuseNext(finishReason: string, count?: number): void;
  close(): Promise<void>;
}

const IMAGE_MODELS = new Set(['gemini-2.5-flash-image', 'gemini-2.5-flash-image-preview']);
const ASPECT_RATIOS = new Set(['1:1', '2:3', '3:2', '3:4', '4:3', '4:5', '5:4', '9:16', '16:9', '21:9']);

/** Google's error body, as `google.rpc.Status`. */
export function googleError(code: number, status: string, message: string, details: unknown[] = []) {
  return { error: { code, message, status, ...(details.length > 0 ? { details } : {}) } };
}

/** A 429 as the Gemini API sends it: `RESOURCE_EXHAUSTED` with a `RetryInfo` naming the wait. */
export function geminiRateLimited(retryDelay: string): ScriptedFault {
  return {
    kind: 'status',
    status: 429,
    body: googleError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay },
    ]),
  };
}

/**
 * The Gemini API's `models/{model}:generateContent` for image models on loopback, as `@google/genai`
 * speaks to it: the key in `x-goog-api-key`, the image as `inlineData` of the first candidate, refusals as
 * a finish reason without an image, errors as `google.rpc.Status` bodies.
 */
export async function startFakeGeminiImages(options: { apiKey: string }): Promise<FakeGeminiImagesServer> {
  const requests: GeminiGenerateRequest[] = [];
  const faults = new ScriptedFaults();
  const refusals: string[] = [];

  const reply = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(body));
  };

  const server = await serveOnLoopback(async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const model = /^\/v1beta\/models\/([^/:]+):generateContent$/.exec(url.pathname)?.[1];
    if (req.method !== 'POST' || !model) {
      return reply(res, 404, googleError(404, 'NOT_FOUND', `${url.pathname} was not found`));
    }
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key');
    if (key !== options.apiKey) {
      return reply(
        res,
        400,
        googleError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'API_KEY_INVALID',
            domain: 'googleapis.com',
          },
        ]),
      );
    }
    let body: GeminiGenerateContentBody;
    try {
      body = JSON.parse((await readBody(req)).toString('utf8')) as GeminiGenerateContentBody;
    } catch {
      return reply(res, 400, googleError(400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.'));
    }
    requests.push({ model, body });
    if (faults.answerNext(res)) return;

    if (!IMAGE_MODELS.has(model)) {
      return reply(
        res,
        404,
        googleError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta`),
      );
    }
    const prompt = body.contents?.flatMap((content) => content.parts ?? []).find((part) => part.text)?.text;
    if (!prompt)
      return reply(res, 400, googleError(400, 'INVALID_ARGUMENT', '* contents: must not be empty'));
    const aspectRatio = body.generationConfig?.imageConfig?.aspectRatio;
    if (aspectRatio !== undefined && !ASPECT_RATIOS.has(aspectRatio)) {
      return reply(
        res,
        400,
        googleError(400, 'INVALID_ARGUMENT', `Unsupported aspect ratio: ${aspectRatio}`),
      );
    }

    const refusal = refusals.shift();
    const parts = refusal ? [] : [{ inlineData: { mimeType: 'image/png', data: FAKE_OPENAI_PNG_BASE64 } }];
    reply(res, 200, {
      candidates: [{ content: { role: 'model', parts }, finishReason: refusal ?? 'STOP', index: 0 }],
      usageMetadata: { promptTokenCount: 8, candidatesTokenCount: refusal ? 0 : 1290, totalTokenCount: 1298 },
      modelVersion: model,
      responseId: `fake-${requests.length}`,
    });
  });

  return {
    url: server.url,
    requests,
    enqueue: (...next) => faults.enqueue(...next),
    refuseNext: (finishReason, count = 1) => {
      for (let i = 0; i < count; i++) refusals.push(finishReason);
    },
    close: () => server.close(),
  };
}
