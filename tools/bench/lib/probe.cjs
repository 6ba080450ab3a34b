// Diagnostics preload for `chat-stream --probe` / `--cpu-prof`: loaded into the gateway and chat with
// `node --require`, it leaves the services' code alone and timestamps the steps of a request from the
// outside (HTTP in/out, JWT checks, NATS requests and handlers, Postgres queries, the provider call,
// stream events). Timestamps are CLOCK_MONOTONIC milliseconds (process.hrtime), shared by every
// process on the machine, so the benchmark can line them up with its own.
//
// Written as JSON lines to $BENCH_PROBE_DIR/<name>-<pid>.jsonl every 250 ms and at exit.
'use strict';
const { appendFileSync } = require('node:fs');
const { join } = require('node:path');
const http = require('node:http');

const name = process.env.BENCH_PROBE_NAME || 'service';

// Nest re-raises SIGTERM once it has shut down; a listener of ours turns that second signal into a
// normal exit, so `--cpu-prof` gets to write its profile.
let terms = 0;
process.on('SIGTERM', () => {
  terms += 1;
  if (terms >= 2) process.exit(0);
});

const dir = process.env.BENCH_PROBE_DIR;
if (dir) {
  const file = join(dir, `${name}-${process.pid}.jsonl`);
  let pending = [];
  const now = () => Number(process.hrtime.bigint()) / 1e6;
  const mark = (ev, detail) => pending.push(JSON.stringify({ t: now(), p: name, ev, ...detail }));
  const flush = () => {
    if (pending.length === 0) return;
    const lines = pending;
    pending = [];
    appendFileSync(file, lines.join('\n') + '\n');
  };
  setInterval(flush, 250).unref();
  // Memory composition once a second: what the RSS is made of.
  setInterval(() => {
    const m = process.memoryUsage();
    const v8 = require('node:v8');
    const spaces = Object.fromEntries(
      v8
        .getHeapSpaceStatistics()
        .map((space) => [space.space_name, Math.round(space.space_used_size / 1048576)]),
    );
    mark('mem', {
      rssMb: Math.round(m.rss / 1048576),
      heapTotalMb: Math.round(m.heapTotal / 1048576),
      heapUsedMb: Math.round(m.heapUsed / 1048576),
      externalMb: Math.round(m.external / 1048576),
      arrayBuffersMb: Math.round(m.arrayBuffers / 1048576),
      spaces,
    });
  }, 1000).unref();
  process.on('exit', flush);

  // HTTP: request arrival, response head and first body write (SSE), end.
  const emit = http.Server.prototype.emit;
  http.Server.prototype.emit = function (event, req, res) {
    if (event === 'request') {
      const url = req.url ?? '';
      if (!url.startsWith('/readyz') && !url.startsWith('/healthz')) {
        res.__probe = url;
        mark('http.request', { url, method: req.method });
      }
    }
    return emit.apply(this, arguments);
  };
  const writeHead = http.ServerResponse.prototype.writeHead;
  http.ServerResponse.prototype.writeHead = function () {
    if (this.__probe) mark('http.writeHead', { url: this.__probe, status: arguments[0] });
    return writeHead.apply(this, arguments);
  };
  const write = http.ServerResponse.prototype.write;
  http.ServerResponse.prototype.write = function (chunk) {
    if (this.__probe && !this.__probeWrote) {
      this.__probeWrote = true;
      mark('http.firstWrite', { url: this.__probe, head: String(chunk).slice(0, 40) });
    }
    return write.apply(this, arguments);
  };
  const end = http.ServerResponse.prototype.end;
  http.ServerResponse.prototype.end = function () {
    if (this.__probe) mark('http.end', { url: this.__probe });
    return end.apply(this, arguments);
  };

  // Outgoing fetch (the OpenAI SDK's transport): request start, response headers.
  const fetch = globalThis.fetch;
  globalThis.fetch = async function (input, init) {
    const url = typeof input === 'string' ? input : (input?.url ?? String(input));
    mark('fetch.start', { url });
    const response = await fetch.call(this, input, init);
    mark('fetch.headers', { url, status: response.status });
    return response;
  };

  const tryRequire = (id) => {
    try {
      return require(require.resolve(id, { paths: [process.cwd()] }));
    } catch {
      return null;
    }
  };

  // Postgres: every query, start and end, with its statement's first words.
  const pg = tryRequire('pg');
  if (pg) {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (config) {
      const text = typeof config === 'string' ? config : (config?.text ?? '');
      const sql = text.replace(/\s+/g, ' ').slice(0, 70);
      mark('pg.start', { sql });
      const args = Array.from(arguments);
      const cb = args.findIndex((arg) => typeof arg === 'function');
      if (cb >= 0) {
        const original = args[cb];
        args[cb] = function () {
          mark('pg.end', { sql });
          return original.apply(this, arguments);
        };
        return query.apply(this, args);
      }
      const result = query.apply(this, args);
      if (result && typeof result.then === 'function') {
        result.then(
          () => mark('pg.end', { sql }),
          () => mark('pg.end', { sql, failed: true }),
        );
      }
      return result;
    };
    const connect = pg.Pool.prototype.connect;
    pg.Pool.prototype.connect = function () {
      mark('pg.pool.acquire', { idle: this.idleCount, total: this.totalCount, waiting: this.waitingCount });
      return connect.apply(this, arguments);
    };
  }

  // Redis commands (rate limits, caches): start and reply.
  const ioredis = tryRequire('ioredis');
  const RedisClass = ioredis?.default ?? ioredis;
  if (RedisClass?.prototype && typeof RedisClass.prototype.sendCommand === 'function') {
    const sendCommand = RedisClass.prototype.sendCommand;
    RedisClass.prototype.sendCommand = function (command) {
      const name = command?.name ?? '?';
      mark('redis.start', { cmd: name });
      const result = sendCommand.apply(this, arguments);
      command?.promise?.then(
        () => mark('redis.end', { cmd: name }),
        () => mark('redis.end', { cmd: name, failed: true }),
      );
      return result;
    };
  }

  // JWT checks (passport-jwt calls jsonwebtoken.verify).
  const jwt = tryRequire('jsonwebtoken');
  if (jwt) {
    const verify = jwt.verify;
    jwt.verify = function (token, secret, options, callback) {
      mark('jwt.verify.start');
      if (typeof callback === 'function') {
        return verify.call(this, token, secret, options, function () {
          mark('jwt.verify.end');
          return callback.apply(this, arguments);
        });
      }
      try {
        return verify.apply(this, arguments);
      } finally {
        mark('jwt.verify.end');
      }
    };
  }

  // The typed bus: requests out (gateway), requests handled (chat), stream events out and in.
  // Each patch checks the method is there: the bus may change shape, and the probe must never break a service.
  const wrap = (proto, method, make) => {
    if (proto && typeof proto[method] === 'function') proto[method] = make(proto[method]);
  };
  const bus = tryRequire('@conduit/bus');
  if (bus && bus.Bus && bus.StreamWriter && bus.StreamReader) {
    wrap(
      bus.Bus.prototype,
      'request',
      (request) =>
        async function (def) {
          mark('bus.request.start', { subject: def?.subject });
          try {
            return await request.apply(this, arguments);
          } finally {
            mark('bus.request.end', { subject: def?.subject });
          }
        },
    );
    // `answer` is the bus's (private) per-request handler wrapper.
    wrap(
      bus.Bus.prototype,
      'answer',
      (answer) =>
        async function (def) {
          mark('bus.answer.start', { subject: def?.subject });
          try {
            return await answer.apply(this, arguments);
          } finally {
            mark('bus.answer.end', { subject: def?.subject });
          }
        },
    );
    wrap(
      bus.StreamWriter.prototype,
      'emit',
      (emitEvent) =>
        function (event) {
          if (!this.__probeFirst) {
            this.__probeFirst = true;
            mark('stream.firstEmit', { type: event?.type });
          }
          return emitEvent.apply(this, arguments);
        },
    );
    wrap(
      bus.StreamReader.prototype,
      'handleMessage',
      (handle) =>
        function (msg) {
          if (!this.__probeFirst && msg?.data?.length > 0) {
            this.__probeFirst = true;
            mark('stream.firstReceived');
          }
          return handle.apply(this, arguments);
        },
    );
  }
}
