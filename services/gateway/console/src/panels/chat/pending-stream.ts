/** The answer this tab is streaming, remembered across a reload so it can be picked up again. */
export interface PendingStream {
  sessionId: string;
  streamId: string;
  assistantMessageId: string | null;
}

const KEY = 'conduit.console.chat.stream';

export function rememberStream(stream: PendingStream): void {
  sessionStorage.setItem(KEY, JSON.stringify(stream));
}

export function forgetStream(streamId: string): void {
  if (pendingStream()?.streamId === streamId) sessionStorage.removeItem(KEY);
}

export function pendingStream(): PendingStream | null {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as PendingStream | null;
  } catch {
    return null;
  }
}
