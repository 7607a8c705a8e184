import type { Request, RequestHandler, Response } from 'express';
import type { z } from 'zod';

/** What a simulated vendor answers, kept as data so it can be stored and replayed. */
export interface VendorResult {
  status: number;
  body: unknown;
}

interface ErrorBody {
  error: { code: string; message: string };
}

export function ok(status: number, body: unknown): VendorResult {
  return { status, body };
}

export function failure(
  status: number,
  code: string,
  message: string,
  extra: Record<string, unknown> = {},
): VendorResult {
  const body: ErrorBody & Record<string, unknown> = { error: { code, message }, ...extra };
  return { status, body };
}

/** Thrown by route logic to end early with a vendor error; turned into a VendorResult by `outcome`. */
export class VendorError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toResult(): VendorResult {
    return failure(this.status, this.code, this.message, this.extra);
  }
}

export function outcome(action: () => VendorResult): VendorResult {
  try {
    return action();
  } catch (error) {
    if (error instanceof VendorError) return error.toResult();
    throw error;
  }
}

export function send(res: Response, result: VendorResult): void {
  res.status(result.status).json(result.body);
}

/** A route answered straight away, without vendor behavior (used by /_sim control routes). */
export function answer(action: (req: Request) => VendorResult): RequestHandler {
  return (req, res) => send(res, outcome(() => action(req)));
}

export function parseInput<T>(schema: z.ZodType<T>, input: unknown, code = 'invalid_request'): T {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const message = parsed.error.issues
    .map((issue) => `${issue.path.join('.') || 'body'}: ${issue.message}`)
    .join('; ');
  throw new VendorError(400, code, message);
}

export function notFound(what: string, id: string): VendorError {
  return new VendorError(404, 'not_found', `No ${what} with id ${id}`);
}

export function isoAt(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** A single-valued query parameter; repeated or nested values are ignored. */
export function queryParam(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  return typeof value === 'string' ? value : undefined;
}

/** A named `:param` of the route; wildcard (array) params are not used by the simulators. */
export function pathParam(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}
