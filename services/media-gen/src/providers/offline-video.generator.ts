import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Resvg } from '@resvg/resvg-js';
import { DomainError, ErrorCode, OFFLINE_VIDEO_MODEL } from '@conduit/contracts';
import type { FfmpegEngine } from './ffmpeg-engine';
import type { GenerationControls } from './image-generator.port';
import { placeholderSvg } from './offline-image.generator';
import type { GeneratedVideo, VideoGenerator, VideoRequest } from './video-generator.port';

const FRAMES_PER_SECOND = 12;
/** The picture is this much larger than the frame, so the camera has room to pan across it. */
const PAN_MARGIN = 1.25;
const EXTENSIONS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * The video provider that needs no service: ffmpeg pans across a picture, either the offline image drawn
 * from the prompt's digest (text-to-video) or the input image (image-to-video). The same prompt, size and
 * length always give the same MP4. It is no generative model, and its metadata says so.
 */
export class OfflineVideoGenerator implements VideoGenerator {
  constructor(
    private readonly engine: FfmpegEngine,
    private readonly timeoutMs: number,
  ) {}

  async generate(request: VideoRequest, controls: GenerationControls): Promise<GeneratedVideo> {
    controls.signal.throwIfAborted();
    const [width, height] = request.size.split('x').map(Number) as [number, number];
    const digest = createHash('sha256').update(request.prompt).digest();
    const dir = await mkdtemp(join(tmpdir(), 'conduit-video-'));
    try {
      const source = join(dir, 'frame.png');
      if (request.image) {
        await this.decodeImage(request.image.data, request.image.contentType, dir, source, controls);
      } else {
        const svg = placeholderSvg(digest, Math.round(width * PAN_MARGIN), Math.round(height * PAN_MARGIN));
        await writeFile(source, new Resvg(svg, { fitTo: { mode: 'original' } }).render().asPng());
      }
      const output = join(dir, 'clip.mp4');
      await this.encode(source, output, { width, height, seconds: request.seconds, digest }, controls);
      const data = await readFile(output);
      controls.onProgress(100);
      return {
        data,
        contentType: 'video/mp4',
        metadata: {
          model: OFFLINE_VIDEO_MODEL,
          placeholder: true,
          note: 'Panned across a picture by ffmpeg from a digest of the prompt (or the input image); not made by a generative model',
          width,
          height,
          seconds: request.seconds,
          framesPerSecond: FRAMES_PER_SECOND,
          codec: this.engine.encoder === 'libx264' ? 'h264' : 'mpeg4',
          fromImage: request.image !== undefined,
          promptSha256: digest.toString('hex'),
        },
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** The input image as one PNG frame; an image ffmpeg cannot read is bad input, not a fault to retry. */
  private async decodeImage(
    data: Uint8Array,
    contentType: string,
    dir: string,
    frame: string,
    controls: GenerationControls,
  ): Promise<void> {
    const input = join(dir, `input.${EXTENSIONS[contentType] ?? 'img'}`);
    await writeFile(input, data);
    try {
      await this.ffmpeg(['-i', input, '-frames:v', '1', '-y', frame], controls);
    } catch (error) {
      if (controls.signal.aborted) throw error;
      throw new DomainError(ErrorCode.ValidationFailed, 'The input image could not be read as an image', {
        reason: (error as Error).message,
      });
    }
  }

  private encode(
    source: string,
    output: string,
    clip: { width: number; height: number; seconds: number; digest: Buffer },
    controls: GenerationControls,
  ): Promise<void> {
    const { width, height, seconds, digest } = clip;
    // Which way the camera moves comes from the prompt too.
    const along = (flip: boolean) => (flip ? `(1-t/${seconds})` : `(t/${seconds})`);
    const filter = [
      `scale=${Math.round(width * PAN_MARGIN)}:${Math.round(height * PAN_MARGIN)}:force_original_aspect_ratio=increase`,
      `crop=${width}:${height}:x='(iw-${width})*${along(digest[0]! % 2 === 1)}':y='(ih-${height})*${along(digest[1]! % 2 === 1)}'`,
      'format=yuv420p',
    ].join(',');
    const codec =
      this.engine.encoder === 'libx264'
        ? ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '28', '-x264-params', 'threads=1']
        : ['-c:v', 'mpeg4', '-q:v', '5', '-threads', '1'];
    const args = [
      ...['-loop', '1', '-framerate', String(FRAMES_PER_SECOND), '-i', source],
      ...['-vf', filter, '-t', String(seconds), '-r', String(FRAMES_PER_SECOND)],
      ...codec,
      // Nothing that varies from run to run (encoder version strings, times) goes into the file.
      ...['-fflags', '+bitexact', '-flags:v', '+bitexact', '-map_metadata', '-1', '-movflags', '+faststart'],
      ...['-y', output],
    ];
    return this.ffmpeg(args, controls, seconds);
  }

  /** Runs ffmpeg; with `seconds`, reads its progress to report the share of the clip encoded so far. */
  private ffmpeg(args: string[], controls: GenerationControls, seconds?: number): Promise<void> {
    const common = ['-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1'];
    return new Promise((resolve, reject) => {
      const child = spawn(this.engine.path, [...common, ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
        signal: controls.signal,
        timeout: this.timeoutMs,
      });
      let errors = '';
      let reported = 0;
      let pending = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const match = /^out_time_us=(\d+)/.exec(line);
          if (!match || !seconds) continue;
          const percent = Math.min(99, Math.floor(Number(match[1]) / 10_000 / seconds));
          if (percent >= reported + 10) {
            reported = percent;
            controls.onProgress(percent);
          }
        }
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        if (errors.length < 4_000) errors += chunk;
      });
      child.on('error', (error) => {
        reject(controls.signal.aborted ? controls.signal.reason : error);
      });
      child.on('close', (code, signal) => {
        if (controls.signal.aborted) return reject(controls.signal.reason);
        if (code === 0) return resolve();
        reject(
          new Error(
            `ffmpeg ${signal ? `was stopped (${signal})` : `exited with ${code}`}: ${errors.trim().slice(0, 500)}`,
          ),
        );
      });
    });
  }
}
