import express, { type Request, type RequestHandler } from 'express';
import { Problem } from '../problem';
import { DEFAULT_JSON_LIMITS, parseStrictJson, type JsonLimits } from './strictJson';

export interface BodyRules {
  /** Largest body accepted (413 beyond), as express understands it: '64kb'. */
  limit: string;
  json: JsonLimits;
}

/** Every route's body unless it says otherwise. */
export const ORDINARY_BODY: BodyRules = { limit: '64kb', json: DEFAULT_JSON_LIMITS };
/** A page of history decoded by the Web UI can be large; it is read only once the caller is known to be staff. */
export const CODEC_BODY: BodyRules = { limit: '8mb', json: { maxDepth: 8, maxStringLength: 8 * 1024 * 1024 } };
/** `{"token": "…"}` and nothing else: the one body read from a caller not yet known. */
export const SIGN_IN_BODY: BodyRules = { limit: '2kb', json: DEFAULT_JSON_LIMITS };

const utf8 = new TextDecoder('utf-8', { fatal: true });

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/** The exact bytes of the body as read by `bodyBytes` (for webhook signatures); empty when none was sent. */
export const rawBodyOf = (req: Request): Buffer => (req as unknown as { rawBody?: Buffer }).rawBody ?? Buffer.alloc(0);

/**
 * Reads the body as bytes, after the route matched and the caller passed its checks (a route puts this after
 * requireRole, or after a signature header is seen): refused unless it is JSON in UTF-8 (415, before a byte is
 * read), 413 past the limit, 400 when it is not UTF-8. The bytes go to `req.rawBody`; nothing is parsed.
 */
export function bodyBytes(rules: BodyRules): RequestHandler {
  const read = express.raw({ type: () => true, limit: rules.limit });
  return (req, res, next) => {
    if (!hasBody(req)) return next();
    if (!req.is('application/json')) return next(new Problem(415, 'Unsupported media type', 'content-type: send the body as application/json'));
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) return next(new Problem(415, 'Unsupported media type', `content-type: the body must be UTF-8, not ${charset}`));
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      (req as unknown as { rawBody: Buffer }).rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      req.body = undefined;
      next();
    });
  };
}

/**
 * The body read by `bodyBytes`, decoded strictly and checked by `parseStrictJson` (400 naming the field), or
 * undefined when none was sent. For routes that must check a signature over the bytes before parsing them.
 */
export function strictJsonOf(req: Request, rules: BodyRules): unknown {
  if (!(req as unknown as { rawBody?: Buffer }).rawBody) return undefined;
  let text: string;
  try {
    text = utf8.decode(rawBodyOf(req));
  } catch {
    throw new Problem(400, 'Invalid input', '(body): is not UTF-8 text', { issues: [{ field: '(body)', message: 'is not UTF-8 text' }] });
  }
  const parsed = parseStrictJson(text, rules.json);
  if (!parsed.ok) {
    const detail = parsed.message === 'the body is not valid JSON' ? parsed.message : `${parsed.field}: ${parsed.message}`;
    throw new Problem(400, 'Invalid input', detail, { issues: [{ field: parsed.field, message: parsed.message }] });
  }
  return parsed.value;
}

/** What a route that takes JSON puts after its credential check: the bytes, then the strict parse onto `req.body`. */
export function jsonBody(rules: BodyRules = ORDINARY_BODY): RequestHandler {
  const read = bodyBytes(rules);
  return (req, res, next) =>
    read(req, res, (err?: unknown) => {
      if (err) return next(err);
      try {
        req.body = strictJsonOf(req, rules);
      } catch (problem) {
        return next(problem);
      }
      next();
    });
}
