import type { Response } from 'express';

/** How long a refused connection stays half-open after its answer, for the client to read it before the close. */
export const LINGER_MS = 2_000;

/** A body was announced and has not all arrived: the answer is decided on the headers (no credential, over budget). */
export function bodyStillArriving(res: Response): boolean {
  const req = res.req;
  const announced = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
  return announced && !req.complete;
}

/**
 * Ends the connection of a refusal whose body is still arriving, without reading that body. Kept alive, Node
 * would read and throw away all of it (8 MB for a codec body) to reach the next request: the flood's bytes would
 * cost the event loop that /healthz and the checkout share. Closed at once, the client's stack may drop the answer
 * when the reset arrives. So, as a lingering close: the answer goes out with `Connection: close`, the server stops
 * reading (the client's sends stall on a full window, costing us nothing), and the socket is destroyed LINGER_MS
 * later.
 */
export function closeWithoutReading(res: Response): void {
  res.set('connection', 'close');
  const socket = res.req.socket;
  // Node's own close of a `Connection: close` answer, once it is written: instead of end-then-destroy, end and stop reading.
  socket.destroySoon = function lingeringClose(this: typeof socket) {
    this.end();
    this.pause();
    setTimeout(() => this.destroy(), LINGER_MS).unref();
  };
}
