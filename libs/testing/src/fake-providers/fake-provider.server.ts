import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import {
  FakeBehaviorSchedule,
  planGeneration,
  toTokens,
  type FakeBehavior,
  type FakeBehaviorChooser,
  type FakeGenerationPlan,
  type FakeHttpErrorBehavior,
  type FakeRecordedRequest,
  type FakeUsageOverride,
} from './fake-provider.behavior';

/**
 * The HTTP side shared by every fake provider: listening, request log, auth/validation order, behavior
 * execution, token pacing and teardown. A provider only supplies a `ProviderProtocol` (its wire spelling).
 */

export interface FakeProviderOptions<TBody> {
  /** When set, requests must carry this key (OpenAI: `Authorization: Bearer`; Anthropic: `x-api-key` or Bearer). */
  apiKey?: string;
  /** Picks the behavior of each generation request not served by a queued behavior. */
  behavior?: FakeBehaviorChooser<TBody>;
  /** The reply when no behavior says otherwise: a text (split into word tokens) or a token list. */
  defaultAnswer?: string | readonly string[];
  /** Default delay before each streamed token; 0 writes everything at once. */
  tokenIntervalMs?: number;
  /** Default delay before the first streamed token (time to first token); unset: `tokenIntervalMs`. */
  firstTokenDelayMs?: number;
  /** Model ids listed by `GET /v1/models`. */
  models?: readonly string[];
  /** Keep a log of requests in `requests` (default true; turn off for long benchmarks). */
  recordRequests?: boolean;
  /** Default 0 (any free port). Always binds 127.0.0.1. */
  port?: number;
}

export interface FakeProviderDiagnostics {
  /** Connections not yet destroyed, idle keep-alive ones included. */
  openSockets: number;
  /** Requests whose response has not closed yet (a stalled stream stays here until the client leaves). */
  activeResponses: number;
  pendingTimers: number;
  queuedBehaviors: number;
}

export interface FakeProviderServer<TBody> {
  /** The base URL to hand to the provider's SDK (`baseURL`). */
  readonly url: string;
  /** `http://127.0.0.1:<port>` with no path. */
  readonly origin: string;
  readonly port: number;
  /** Every request received, in arrival order (unless `recordRequests: false`). */
  readonly requests: readonly FakeRecordedRequest<TBody>[];
  /** Replaces the chooser: a function, one behavior for every request, or `undefined` for the default answer. */
  setBehavior(next: FakeBehaviorChooser<TBody> | FakeBehavior | undefined): void;
  /** Scripts the next generation requests, one behavior each, before the chooser is asked. */
  enqueue(...behaviors: FakeBehavior[]): void;
  /** Clears the request log and the queue, and restores the chooser given in the options. */
  reset(): void;
  diagnostics(): FakeProviderDiagnostics;
  /** Stops listening, cancels pacing timers and destroys every open socket (stalled streams included). */
  close(): Promise<void>;
  /** Scripts a non-generation endpoint of the protocol (e.g. OpenAI's `/v1/embeddings`) by its path. */
  endpoint(path: string): FakeEndpointControl;
}

/** Behaviors of one extra endpoint, scripted like generations (queued first, then the chooser). */
export interface FakeEndpointControl {
  /** A chooser (given the parsed JSON body), one behavior for every request, or `undefined` for the normal answer. */
  setBehavior(next: FakeBehaviorChooser<unknown> | FakeBehavior | undefined): void;
  enqueue(...behaviors: FakeBehavior[]): void;
}

/**
 * A JSON request/response endpoint beside the generation one. Behaviors apply as for a non-streaming
 * generation: `http-error` answers the error (with `retry-after`), `drop` destroys the socket, `stall`
 * never answers, `malformed-chunk` sends half the body, `stream-error` answers the error its type maps to.
 */
export interface FakeJsonEndpoint {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  /** Validates the parsed JSON body; a provider error is answered as-is. */
  validate(json: unknown): ProviderErrorSpec | undefined;
  /** The 200 body for a valid request; `usage` overrides what the fake counted. */
  answer(json: unknown, usage: FakeUsageOverride | undefined): unknown;
  /** `form`: a multipart/form-data body, handed to `validate` and `answer` as {@link FakeFormFields}. JSON otherwise. */
  readonly body?: 'json' | 'form';
}

/** A file part of a multipart body, as a form endpoint receives it. */
export interface FakeFormFile {
  readonly filename: string;
  readonly contentType: string;
  readonly data: Buffer;
}

/** A multipart body's parts by name: text fields as strings, files as {@link FakeFormFile}. */
export type FakeFormFields = Readonly<Record<string, string | FakeFormFile>>;

/** Parses a multipart/form-data body; undefined when it is not one. */
async function parseForm(contentType: string | undefined, body: Buffer): Promise<FakeFormFields | undefined> {
  if (!contentType?.startsWith('multipart/form-data')) return undefined;
  try {
    const form = await new Request('http://fake.invalid/', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).formData();
    const fields: Record<string, string | FakeFormFile> = {};
    for (const [name, value] of form) {
      fields[name] =
        typeof value === 'string'
          ? value
          : { filename: value.name, contentType: value.type, data: Buffer.from(await value.arrayBuffer()) };
    }
    return fields;
  } catch {
    return undefined;
  }
}

export interface ProviderErrorSpec {
  readonly status: number;
  readonly type: string;
  readonly message: string;
  readonly code?: string | null;
  readonly param?: string | null;
}

export type ProviderErrorOverride = Partial<Pick<ProviderErrorSpec, 'type' | 'message' | 'code' | 'param'>>;

export interface ParsedGeneration<TBody> {
  readonly body: TBody;
  readonly model: string;
  readonly stream: boolean;
  /** OpenAI `stream_options.include_usage`; ignored by providers that always send usage. */
  readonly includeUsage: boolean;
  readonly inputTokens: number;
  readonly maxOutputTokens: number | undefined;
}

export interface GenerationIdentity {
  /** The completion / message id. */
  readonly id: string;
  readonly requestId: string;
  /** Unix seconds. */
  readonly created: number;
}

/** The SSE text of one streamed generation, event by event. */
export interface SseEncoder {
  /** Everything before the first token. */
  head(): string;
  token(text: string): string;
  /** Everything after the last token of a complete answer, terminator included. */
  tail(): string;
  /** A data line whose JSON is cut off. */
  malformed(): string;
  /** The provider's in-stream error event. */
  error(error: ProviderErrorSpec): string;
}

export interface ProviderProtocol<TBody> {
  /** Path prefix the SDK adds itself is excluded: OpenAI `/v1`, Anthropic ``. */
  readonly sdkBasePath: string;
  readonly generationPath: string;
  readonly modelsPath: string;
  readonly defaultAnswer: string;
  readonly defaultModels: readonly string[];
  readonly defaultStreamErrorType: string;
  newRequestId(sequence: number): string;
  newGenerationId(sequence: number): string;
  /** Auth and required headers; the first failure wins. */
  checkHeaders(headers: IncomingHttpHeaders, apiKey: string | undefined): ProviderErrorSpec | undefined;
  parseGeneration(json: unknown): ParsedGeneration<TBody> | ProviderErrorSpec;
  /** The provider's error for a status, with the behavior's overrides applied. */
  errorFor(status: number, override?: ProviderErrorOverride): ProviderErrorSpec;
  statusForErrorType(type: string): number;
  invalidJson(): ProviderErrorSpec;
  notFound(method: string, path: string): ProviderErrorSpec;
  renderError(error: ProviderErrorSpec, requestId: string): string;
  responseHeaders(requestId: string): Record<string, string>;
  modelList(models: readonly string[]): unknown;
  streamEncoder(
    generation: ParsedGeneration<TBody>,
    identity: GenerationIdentity,
    plan: FakeGenerationPlan,
  ): SseEncoder;
  completionBody(
    generation: ParsedGeneration<TBody>,
    identity: GenerationIdentity,
    plan: FakeGenerationPlan,
  ): unknown;
  /** Further JSON endpoints the provider serves (auth and JSON parsing as for generations). */
  readonly endpoints?: readonly FakeJsonEndpoint[];
}

const MAX_BODY_BYTES = 32 * 1024 * 1024;

export function isProviderError(value: unknown): value is ProviderErrorSpec {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { status?: unknown }).status === 'number' &&
    typeof (value as { type?: unknown }).type === 'string'
  );
}

export async function startFakeProviderServer<TBody>(
  protocol: ProviderProtocol<TBody>,
  options: FakeProviderOptions<TBody> = {},
): Promise<FakeProviderServer<TBody>> {
  const sockets = new Set<Socket>();
  const activeResponses = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const requests: FakeRecordedRequest<TBody>[] = [];
  const schedule = new FakeBehaviorSchedule<TBody>(options.behavior);
  const defaultTokens = toTokens(options.defaultAnswer ?? protocol.defaultAnswer);
  const defaultIntervalMs = options.tokenIntervalMs ?? 0;
  const models = options.models ?? protocol.defaultModels;
  const record = options.recordRequests ?? true;
  const endpoints = new Map(
    (protocol.endpoints ?? []).map((endpoint) => [
      `${endpoint.method} ${endpoint.path}`,
      { endpoint, schedule: new FakeBehaviorSchedule<unknown>(undefined) },
    ]),
  );
  let sequence = 0;
  let closing: Promise<void> | undefined;

  const later = (ms: number, run: () => void): NodeJS.Timeout => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      run();
    }, ms);
    timers.add(timer);
    return timer;
  };
  const cancel = (timer: NodeJS.Timeout | undefined): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timers.delete(timer);
  };

  const server = createServer((req, res) => receive(req, res));
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  function receive(req: IncomingMessage, res: ServerResponse): void {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    activeResponses.add(res);
    res.once('close', () => activeResponses.delete(res));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => dispatch(req, res, size > MAX_BODY_BYTES ? undefined : Buffer.concat(chunks)));
  }

  function dispatch(req: IncomingMessage, res: ServerResponse, rawBytes: Buffer | undefined): void {
    const rawBody = rawBytes?.toString('utf8');
    sequence += 1;
    const requestId = protocol.newRequestId(sequence);
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://fake.invalid').pathname;
    const entry: FakeRecordedRequest<TBody> = {
      method,
      path,
      headers: req.headers,
      rawBody: rawBody ?? '',
      body: undefined,
      receivedAt: Date.now(),
      behavior: undefined,
      status: undefined,
    };
    if (record) requests.push(entry);

    const send = (status: number, body: string, headers: Record<string, string> = {}): void => {
      if (res.destroyed || res.headersSent) return;
      entry.status = status;
      res.writeHead(status, {
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
        ...protocol.responseHeaders(requestId),
        ...headers,
      });
      res.end(body);
    };
    const sendError = (error: ProviderErrorSpec, headers?: Record<string, string>): void =>
      send(error.status, protocol.renderError(error, requestId), headers);

    if (rawBody === undefined) return sendError(protocol.errorFor(413));

    const isGeneration = method === 'POST' && path === protocol.generationPath;
    const isModels = method === 'GET' && path === protocol.modelsPath;
    const extra = endpoints.get(`${method} ${path}`);
    if (!isGeneration && !isModels && !extra) return sendError(protocol.notFound(method, path));

    const headerError = protocol.checkHeaders(req.headers, options.apiKey);
    if (headerError) return sendError(headerError);

    if (isModels) return send(200, JSON.stringify(protocol.modelList(models)));

    if (extra?.endpoint.body === 'form') {
      void parseForm(req.headers['content-type'], rawBytes ?? Buffer.alloc(0)).then((fields) => {
        if (!fields)
          return sendError(protocol.errorFor(400, { message: 'The body must be multipart/form-data.' }));
        entry.body = fields as TBody;
        serveEndpoint(res, entry, extra.endpoint, extra.schedule, fields, send, sendError);
      });
      return;
    }

    let json: unknown;
    try {
      json = JSON.parse(rawBody);
    } catch {
      return sendError(protocol.invalidJson());
    }
    if (extra) return serveEndpoint(res, entry, extra.endpoint, extra.schedule, json, send, sendError);
    const generation = protocol.parseGeneration(json);
    if (isProviderError(generation)) return sendError(generation);

    entry.body = generation.body;
    const behavior: FakeBehavior = schedule.next(generation.body, entry) ?? { kind: 'answer' };
    entry.behavior = behavior;

    if (behavior.kind === 'http-error') return sendError(httpError(behavior), retryAfter(behavior));

    const plan = planGeneration(behavior, generation, {
      tokens: defaultTokens,
      intervalMs: defaultIntervalMs,
      ...(options.firstTokenDelayMs !== undefined ? { firstTokenDelayMs: options.firstTokenDelayMs } : {}),
    });
    const identity: GenerationIdentity = {
      id: protocol.newGenerationId(sequence),
      requestId,
      created: Math.floor(Date.now() / 1000),
    };
    if (generation.stream) streamGeneration(res, entry, generation, identity, plan);
    else completeGeneration(res, generation, identity, plan, send, sendError);
  }

  function serveEndpoint(
    res: ServerResponse,
    entry: FakeRecordedRequest<TBody>,
    endpoint: FakeJsonEndpoint,
    schedule: FakeBehaviorSchedule<unknown>,
    json: unknown,
    send: (status: number, body: string) => void,
    sendError: (error: ProviderErrorSpec, headers?: Record<string, string>) => void,
  ): void {
    const invalid = endpoint.validate(json);
    if (invalid) return sendError(invalid);
    const behavior: FakeBehavior =
      schedule.next(json, entry as FakeRecordedRequest<unknown>) ?? ({ kind: 'answer' } as const);
    entry.behavior = behavior;
    switch (behavior.kind) {
      case 'http-error':
        return sendError(httpError(behavior), retryAfter(behavior));
      case 'answer':
        return send(200, JSON.stringify(endpoint.answer(json, behavior.usage)));
      case 'malformed-chunk': {
        const body = JSON.stringify(endpoint.answer(json, undefined));
        return send(200, body.slice(0, Math.ceil(body.length / 2)));
      }
      case 'stream-error': {
        const type = behavior.errorType ?? protocol.defaultStreamErrorType;
        return sendError(
          protocol.errorFor(protocol.statusForErrorType(type), { type, message: behavior.message }),
        );
      }
      case 'drop':
        res.socket?.destroy();
        return;
      case 'stall':
        return;
    }
  }

  function httpError(behavior: FakeHttpErrorBehavior): ProviderErrorSpec {
    return protocol.errorFor(behavior.status, {
      type: behavior.errorType,
      message: behavior.message,
      code: behavior.code,
      param: behavior.param,
    });
  }

  function retryAfter(behavior: FakeHttpErrorBehavior): Record<string, string> {
    return behavior.retryAfterSeconds === undefined
      ? {}
      : { 'retry-after': String(behavior.retryAfterSeconds) };
  }

  function streamErrorFor(plan: FakeGenerationPlan): ProviderErrorSpec {
    const ending = plan.ending;
    const type =
      (ending.kind === 'stream-error' ? ending.errorType : undefined) ?? protocol.defaultStreamErrorType;
    const message = ending.kind === 'stream-error' ? ending.message : undefined;
    return protocol.errorFor(protocol.statusForErrorType(type), { type, message });
  }

  function completeGeneration(
    res: ServerResponse,
    generation: ParsedGeneration<TBody>,
    identity: GenerationIdentity,
    plan: FakeGenerationPlan,
    send: (status: number, body: string) => void,
    sendError: (error: ProviderErrorSpec) => void,
  ): void {
    const ending = plan.ending.kind;
    if (ending === 'stall') return;
    const respond = (): void => {
      switch (ending) {
        case 'complete':
          return send(200, JSON.stringify(protocol.completionBody(generation, identity, plan)));
        case 'malformed-chunk': {
          const body = JSON.stringify(protocol.completionBody(generation, identity, plan));
          return send(200, body.slice(0, Math.ceil(body.length / 2)));
        }
        case 'stream-error':
          return sendError(streamErrorFor(plan));
        case 'drop':
          res.socket?.destroy();
          return;
      }
    };
    const delay =
      plan.tokens.length === 0 ? 0 : plan.firstTokenDelayMs + plan.intervalMs * (plan.tokens.length - 1);
    if (delay <= 0) return respond();
    const timer = later(delay, respond);
    res.once('close', () => cancel(timer));
  }

  function streamGeneration(
    res: ServerResponse,
    entry: FakeRecordedRequest<TBody>,
    generation: ParsedGeneration<TBody>,
    identity: GenerationIdentity,
    plan: FakeGenerationPlan,
  ): void {
    const encoder = protocol.streamEncoder(generation, identity, plan);
    const tokens = plan.tokens;
    entry.status = 200;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      ...protocol.responseHeaders(identity.requestId),
    });

    // Writes the last pending text together with the ending, so a drop never loses what precedes it.
    const finish = (pending: string): void => {
      if (res.destroyed) return;
      switch (plan.ending.kind) {
        case 'complete':
          res.end(pending + encoder.tail());
          return;
        case 'malformed-chunk':
          res.end(pending + encoder.malformed());
          return;
        case 'stream-error':
          res.end(pending + encoder.error(streamErrorFor(plan)));
          return;
        case 'stall':
          res.write(pending);
          return;
        case 'drop': {
          const socket = res.socket;
          res.write(pending, () => socket?.destroy());
          return;
        }
      }
    };

    if ((plan.intervalMs <= 0 && plan.firstTokenDelayMs <= 0) || tokens.length === 0) {
      let text = encoder.head();
      for (const token of tokens) text += encoder.token(token);
      finish(text);
      return;
    }

    res.write(encoder.head());
    let index = 0;
    let timer: NodeJS.Timeout | undefined;
    const tick = (): void => {
      timer = undefined;
      if (res.destroyed) return;
      let chunk = encoder.token(tokens[index] ?? '');
      index += 1;
      // Without an interval, the tokens after the first follow it at once.
      if (plan.intervalMs <= 0) while (index < tokens.length) chunk += encoder.token(tokens[index++] ?? '');
      if (index >= tokens.length) return finish(chunk);
      res.write(chunk);
      timer = later(plan.intervalMs, tick);
    };
    timer = later(plan.firstTokenDelayMs, tick);
    res.once('close', () => cancel(timer));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const origin = `http://127.0.0.1:${port}`;

  return {
    url: origin + protocol.sdkBasePath,
    origin,
    port,
    requests,
    setBehavior: (next) => schedule.set(next),
    enqueue: (...behaviors) => schedule.enqueue(behaviors),
    reset: () => {
      requests.length = 0;
      schedule.reset();
      for (const { schedule: endpointSchedule } of endpoints.values()) endpointSchedule.reset();
    },
    endpoint: (path) => {
      const found = [...endpoints.values()].find((candidate) => candidate.endpoint.path === path);
      if (!found) throw new Error(`the fake serves no endpoint ${path}`);
      return {
        setBehavior: (next) => found.schedule.set(next),
        enqueue: (...behaviors) => found.schedule.enqueue(behaviors),
      };
    },
    diagnostics: () => ({
      openSockets: [...sockets].filter((socket) => !socket.destroyed).length,
      activeResponses: activeResponses.size,
      pendingTimers: timers.size,
      queuedBehaviors: schedule.queued,
    }),
    close: () => {
      closing ??= (async () => {
        const serverClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        // Wait for every socket's close event, so the responses on them have closed too when this resolves.
        const socketsClosed = [...sockets].map(
          (socket) =>
            new Promise<void>((resolve) =>
              socket.closed ? resolve() : socket.once('close', () => resolve()),
            ),
        );
        for (const socket of sockets) socket.destroy();
        await Promise.all([serverClosed, ...socketsClosed]);
      })();
      return closing;
    },
  };
}
