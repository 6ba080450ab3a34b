import { spawn, type ChildProcessByStdio } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { tailOf } from '../processes/child-process';

/** Where a live encoder's output goes. */
export interface LiveEncoderSink {
  /** Encoded bytes, in order, as soon as the encoder wrote them. */
  data(chunk: Buffer): void;
  /** Everything written was encoded and handed to `data`. */
  end(): void;
  failed(error: Error): void;
}

/** An encoder fed as audio comes: PCM in, compressed bytes out through its sink. */
export interface LiveEncoder {
  write(pcm: Buffer): void;
  /** No more input: the rest is flushed, then the sink's `end`. */
  end(): void;
  /** Stops at once: nothing more reaches the sink. */
  kill(): void;
}

/**
 * One ffmpeg process per stream, PCM on its stdin and the encoded stream on its stdout. Spawned when
 * created, so a caller can start it before the audio is there and not pay for the start on the way
 * to the first byte.
 */
export class FfmpegLiveEncoder implements LiveEncoder {
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private readonly stderr: Buffer[] = [];
  private stopped = false;

  constructor(
    command: string,
    args: readonly string[],
    private readonly sink: LiveEncoderSink,
  ) {
    this.child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.on('data', (chunk: Buffer) => {
      if (!this.stopped) this.sink.data(chunk);
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 16) this.stderr.push(chunk);
    });
    // A broken pipe is reported by the exit below.
    this.child.stdin.on('error', () => undefined);
    this.child.once('error', (error) => this.finish(error));
    this.child.once('close', (code, signal) =>
      this.finish(
        code === 0
          ? null
          : new Error(
              `${command} ${signal ? `was killed by ${signal}` : `exited with ${String(code)}`}: ${tailOf(Buffer.concat(this.stderr))}`,
            ),
      ),
    );
  }

  write(pcm: Buffer): void {
    if (!this.stopped && this.child.stdin.writable) this.child.stdin.write(pcm);
  }

  end(): void {
    if (!this.stopped) this.child.stdin.end();
  }

  kill(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.child.kill('SIGKILL');
  }

  private finish(error: Error | null): void {
    if (this.stopped) return;
    this.stopped = true;
    if (error) this.sink.failed(error);
    else this.sink.end();
  }
}
