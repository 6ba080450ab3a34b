import { SaxesParser, type SaxesTagPlain } from 'saxes';

/** The elements of `export.xml` the import reads; everything else (Me, ActivitySummary, routes) is passed over. */
export type AppleHealthElement =
  | { kind: 'record'; line: number; attributes: Readonly<Record<string, string>> }
  | {
      kind: 'workout';
      line: number;
      attributes: Readonly<Record<string, string>>;
      /** `WorkoutStatistics` children (newer exports keep energy and distance there). */
      statistics: ReadonlyArray<Readonly<Record<string, string>>>;
    }
  /** Something that is not well-formed XML; the parser recovers and goes on where it can. */
  | { kind: 'xml-error'; line: number; message: string };

/**
 * Reads `export.xml` as it streams in (sax-style, never the whole document in memory) and yields the
 * elements the import maps. The next chunk is read only after the consumer has taken what the last one
 * held, so a slow consumer (a database write per batch) holds the reading back: backpressure without
 * buffering more than one chunk's elements.
 */
export async function* readAppleHealthElements(
  chunks: AsyncIterable<Uint8Array | string>,
): AsyncGenerator<AppleHealthElement> {
  const parser = new SaxesParser({ xmlns: false, position: true });
  const ready: AppleHealthElement[] = [];
  let workout: {
    line: number;
    attributes: Record<string, string>;
    statistics: Record<string, string>[];
  } | null = null;

  parser.on('opentag', (tag: SaxesTagPlain) => {
    switch (tag.name) {
      case 'Record':
        // Records nested in a Correlation (blood pressure, food) are records of their own too.
        ready.push({ kind: 'record', line: parser.line, attributes: tag.attributes });
        return;
      case 'Workout':
        workout = { line: parser.line, attributes: tag.attributes, statistics: [] };
        return;
      case 'WorkoutStatistics':
        workout?.statistics.push(tag.attributes);
        return;
    }
  });
  parser.on('closetag', (tag: SaxesTagPlain) => {
    if (tag.name === 'Workout' && workout) {
      ready.push({ kind: 'workout', ...workout });
      workout = null;
    }
  });
  // saxes reports what is not well-formed and goes on with the next construct it can read; a fault can cascade
  // (after a stray close tag, every later element is "another root"), so the reasons are tallied, not kept.
  parser.on('error', (error: Error) => {
    ready.push({ kind: 'xml-error', line: parser.line, message: firstLine(error.message) });
  });

  const decoder = new TextDecoder('utf-8');
  for await (const chunk of chunks) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true }));
    yield* drain(ready);
  }
  parser.write(decoder.decode());
  parser.close();
  yield* drain(ready);
}

function* drain(ready: AppleHealthElement[]): Generator<AppleHealthElement> {
  // Taken out first: the array is refilled by the next write while the consumer is still busy.
  const taken = ready.splice(0, ready.length);
  yield* taken;
}

/** The message without its line and column, so that the same fault counts as one reason wherever it is. */
function firstLine(message: string): string {
  return message
    .split('\n', 1)[0]!
    .replace(/^(?:[^:]*:)?\d+:\d+: /, '')
    .slice(0, 200);
}
