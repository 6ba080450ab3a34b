import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { Sema } from 'async-sema';
import { ExtractionError } from './extraction-error';

export interface PdfText {
  /** The text of each page, in order. */
  readonly pages: readonly string[];
  /** The document's Title from its metadata, if it has one. */
  readonly title: string | null;
}

export interface PdfReadOptions {
  /** A file that takes longer is given up on as unreadable (pdf.js can spin on crafted files). */
  readonly timeoutMs: number;
  /** Heap limit of the reading thread, so a hostile file cannot exhaust the service's memory. */
  readonly maxHeapMb: number;
}

type WorkerAnswer =
  | { readonly ok: true; readonly pages: string[]; readonly title: string | null }
  | { readonly ok: false; readonly name: string; readonly message: string };

/**
 * Runs in a worker thread, as CommonJS: loads unpdf (the serverless pdf.js build, bundled, so nothing
 * is fetched) and reads the text of every page. A thread of its own keeps a slow or hostile PDF off the
 * service's event loop and lets us stop it; it is also where unpdf's dynamic import of pdf.js runs as
 * plain Node, which a test runner's module sandbox does not allow.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { extractText, getDocumentProxy, getMeta } = require(workerData.unpdfPath);
(async () => {
  const pdf = await getDocumentProxy(workerData.bytes, {
    verbosity: 0,
    isEvalSupported: false,
    disableFontFace: true,
    useSystemFonts: false,
  });
  const { text } = await extractText(pdf, { mergePages: false });
  let title = null;
  try {
    const { info } = await getMeta(pdf);
    if (typeof info.Title === 'string' && info.Title.trim()) title = info.Title.trim();
  } catch {}
  parentPort.postMessage({ ok: true, pages: text, title });
})().catch((error) => {
  parentPort.postMessage({ ok: false, name: String(error && error.name), message: String(error && error.message) });
});
`;

const UNPDF_PATH = require.resolve('unpdf');

/** PDFs read at once: one thread per core; more uploads wait their turn instead of piling up threads. */
const readers = new Sema(availableParallelism());

function failureOf(answer: Extract<WorkerAnswer, { ok: false }>): ExtractionError {
  if (answer.name === 'PasswordException')
    return new ExtractionError('unsupported-type', 'the PDF is password-protected', {
      type: 'encrypted PDF',
    });
  return new ExtractionError('corrupt-file', `the PDF cannot be read: ${answer.message}`, {
    type: 'PDF',
  });
}

/** Reads the text of a PDF's pages; a damaged file is an {@link ExtractionError} `corrupt-file`. */
export async function readPdfText(bytes: Uint8Array, options: PdfReadOptions): Promise<PdfText> {
  await readers.acquire();
  try {
    return await readInWorker(bytes, options);
  } finally {
    readers.release();
  }
}

async function readInWorker(bytes: Uint8Array, options: PdfReadOptions): Promise<PdfText> {
  // A copy is handed over, so the caller's buffer stays usable.
  const copy = new Uint8Array(bytes);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { bytes: copy, unpdfPath: UNPDF_PATH },
    transferList: [copy.buffer],
    resourceLimits: { maxOldGenerationSizeMb: options.maxHeapMb },
    stdout: true,
    stderr: true,
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    const answer = await new Promise<WorkerAnswer>((resolve, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new ExtractionError('corrupt-file', `the PDF could not be read within ${options.timeoutMs} ms`, {
              type: 'PDF',
            }),
          ),
        options.timeoutMs,
      );
      worker.once('message', resolve);
      worker.once('error', (error) =>
        reject(
          new ExtractionError('corrupt-file', `the PDF cannot be read: ${error.message}`, { type: 'PDF' }),
        ),
      );
      worker.once('exit', (code) =>
        reject(
          new ExtractionError('corrupt-file', `the PDF reader stopped (exit code ${code})`, { type: 'PDF' }),
        ),
      );
    });
    if (!answer.ok) throw failureOf(answer);
    return { pages: answer.pages, title: answer.title };
  } finally {
    clearTimeout(timer);
    await worker.terminate();
  }
}
