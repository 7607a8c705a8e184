import express, { type Request, type RequestHandler } from 'express';
import { Problem } from '../problem';
import { parseStrictJson, textProblem, toWellFormed, type JsonLimits } from './strictJson';

export interface BodyRules {
  /** Largest body accepted (413 beyond), as express understands it: '64kb'. */
  limit: string;
  json: JsonLimits;
}

export interface RequestBodyOptions {
  rules: BodyRules;
  /** Larger rules for some path prefixes (the codec decodes whole pages of history). */
  overrides?: { prefix: string; rules: BodyRules }[];
  /** `METHOD path` of the routes that also take an HTML form (application/x-www-form-urlencoded). */
  formRoutes?: string[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');

/**
 * Every request body, on every route: read as bytes (413 past the limit), refused unless it is JSON (or, on
 * the routes that take one, a form) in UTF-8 (415), decoded strictly (invalid UTF-8 is a 400) and checked by
 * `parseStrictJson` (400 naming the field) before any handler sees it. The exact bytes stay on `req.rawBody`
 * for webhook signatures.
 */
export function requestBody(options: RequestBodyOptions): RequestHandler {
  const readers = new Map<BodyRules, RequestHandler>();
  const reader = (rules: BodyRules) => {
    let read = readers.get(rules);
    if (!read) readers.set(rules, (read = express.raw({ type: () => true, limit: rules.limit })));
    return read;
  };
  const formRoutes = new Set(options.formRoutes ?? []);

  return (req, res, next) => {
    if (!hasBody(req)) return next();
    const rules = options.overrides?.find((o) => req.path.startsWith(o.prefix))?.rules ?? options.rules;
    const isForm = formRoutes.has(`${req.method} ${req.path}`) && req.is('application/x-www-form-urlencoded') === 'application/x-www-form-urlencoded';
    if (!isForm && !req.is('application/json')) {
      const accepted = formRoutes.has(`${req.method} ${req.path}`) ? 'application/json or application/x-www-form-urlencoded' : 'application/json';
      return next(new Problem(415, 'Unsupported media type', `content-type: send the body as ${accepted}`));
    }
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1];
    if (charset && !/^utf-?8$/i.test(charset)) return next(new Problem(415, 'Unsupported media type', `content-type: the body must be UTF-8, not ${charset}`));

    reader(rules)(req, res, (err?: unknown) => {
      if (err) return next(err);
      const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      (req as unknown as { rawBody: Buffer }).rawBody = bytes;
      let text: string;
      try {
        text = utf8.decode(bytes);
      } catch {
        return next(new Problem(400, 'Invalid input', '(body): is not UTF-8 text', { issues: [{ field: '(body)', message: 'is not UTF-8 text' }] }));
      }
      const parsed = isForm ? parseForm(text, rules.json.maxStringLength) : parseStrictJson(text, rules.json);
      if (!parsed.ok) {
        const detail = parsed.message === 'the body is not valid JSON' ? parsed.message : `${parsed.field}: ${parsed.message}`;
        return next(new Problem(400, 'Invalid input', detail, { issues: [{ field: parsed.field, message: parsed.message }] }));
      }
      req.body = parsed.value;
      next();
    });
  };
}

function parseForm(text: string, maxLength: number): ReturnType<typeof parseStrictJson> {
  const fields: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const why = textProblem(key, maxLength) ?? textProblem(value, maxLength);
    if (why) return { ok: false, field: toWellFormed(key), message: why };
    if (Object.hasOwn(fields, key)) return { ok: false, field: key, message: 'appears more than once in the form' };
    fields[key] = value;
  }
  return { ok: true, value: fields };
}
