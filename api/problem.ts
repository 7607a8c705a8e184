import type { ErrorRequestHandler, Response } from 'express';
import { z } from 'zod';
import { bodyStillArriving, closeWithoutReading } from './input/refusedBody';

/** An RFC 9457 problem answer: every error Hotpath returns is one of these. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function sendProblem(res: Response, problem: Problem): void {
  if (typeof problem.extra.retryAfterSeconds === 'number') res.set('retry-after', String(problem.extra.retryAfterSeconds));
  // A refusal decided on the headers does not wait for, nor read, the body still on its way.
  if (bodyStillArriving(res)) closeWithoutReading(res);
  res
    .status(problem.status)
    .type('application/problem+json')
    // Extension members never replace the standard ones.
    .json({ type: 'about:blank', ...problem.extra, title: problem.title, status: problem.status, detail: problem.detail });
}

export function invalidInput(error: z.ZodError): Problem {
  const issues = error.issues.map((i) => ({ field: i.path.join('.') || '(body)', message: i.message }));
  const first = issues[0]!;
  return new Problem(400, 'Invalid input', `${first.field}: ${first.message}`, { issues });
}

/**
 * The last-resort 500: it says what is true of every route. Only an Idempotency-Key (POST /orders) makes sending the
 * same request again safe; without one, the failure may have come after the change was made (a cancel the saga
 * took, a subscription stored), so the caller reads before changing anything again.
 */
export function unexpectedFailure(withIdempotencyKey: boolean): Problem {
  return new Problem(
    500,
    'Internal error',
    withIdempotencyKey
      ? 'something went wrong on our side; sending the same request again with the same Idempotency-Key is safe'
      : 'something went wrong on our side, and whether the request took effect is not known: read what it was to change before sending it again',
  );
}

/** Last-resort handler: parser errors become 4xx problems; anything unexpected is a 500 without internals. */
export function problemHandler(log: (err: unknown) => void): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof Problem) return sendProblem(res, err);
    const status = typeof err?.status === 'number' ? err.status : typeof err?.statusCode === 'number' ? err.statusCode : 500;
    if (status >= 400 && status < 500) {
      const detail =
        err.type === 'entity.parse.failed'
          ? 'the body is not valid JSON'
          : err.type === 'entity.too.large'
            ? `the body is larger than ${err.limit} bytes`
            : err.type === 'encoding.unsupported' || err.type === 'charset.unsupported'
              ? 'the body must be UTF-8 JSON'
              : String(err.message ?? 'bad request');
      return sendProblem(res, new Problem(status, status === 413 ? 'Payload too large' : 'Bad request', detail));
    }
    log(err);
    sendProblem(res, unexpectedFailure(req.get('idempotency-key') !== undefined));
  };
}
