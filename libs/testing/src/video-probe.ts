import { execFileSync } from 'node:child_process';

/** What ffprobe says of a video's first stream and of the file: for tests that check what was made. */
export interface ProbedVideo {
  codec: string;
  width: number;
  height: number;
  seconds: number;
}

/** Runs ffprobe (the Debian package) on a video file's bytes. */
export function probeVideo(data: Uint8Array): ProbedVideo {
  const out = execFileSync(
    'ffprobe',
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=codec_name,width,height:format=duration',
      '-of',
      'json',
      '-',
    ],
    { input: data },
  ).toString();
  const json = JSON.parse(out) as {
    streams: { codec_name: string; width: number; height: number }[];
    format: { duration: string };
  };
  const stream = json.streams[0];
  if (!stream) throw new Error('ffprobe found no video stream');
  return {
    codec: stream.codec_name,
    width: stream.width,
    height: stream.height,
    seconds: Number(json.format.duration),
  };
}
