/**
 * Past this much data waiting to be written to one client (an SSE response or a whole `/ws`
 * connection), the client is too slow to keep up and is disconnected, with a reason where the
 * transport has one; it can resume. Bounds the gateway's memory per client whatever producers send.
 */
export const MAX_BUFFERED_BYTES_PER_CLIENT = 8 * 1024 * 1024;
