import type { Request, RequestHandler } from 'express';
import { Problem } from '../problem';
import { isWellFormed, toWellFormed } from './strictJson';

/** Longest header value accepted (Node refuses a header block over its own limit with 431 first). */
export const MAX_HEADER_VALUE = 8192;
const MAX_QUERY_VALUE = 1000;

/** Headers whose meaning breaks when sent twice (Node keeps one or joins them silently). */
const SINGLE_HEADERS = ['authorization', 'idempotency-key', 'content-type', 'hotpath-signature', 'x-hotpath-console', 'cookie'];

const VISIBLE_ASCII = /^[\x20-\x7e\t]*$/;
// Control characters: nothing a path or a query value has reason to carry, and NUL cannot be stored.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

const invalid = (field: string, message: string) => new Problem(400, 'Invalid input', `${field}: ${message}`, { issues: [{ field, message }] });

/** The values of one header exactly as sent, however often (req.headers joins or drops repeats). */
export function headerValues(req: Request, name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === name) values.push(req.rawHeaders[i + 1]!);
  return values;
}

/**
 * Before anything else reads them: header values are visible ASCII and not oversized, the headers that must be
 * single are, the path and the query decode as UTF-8 without control characters, and query values are short.
 * Each refusal is a 400 problem naming the header or parameter.
 */
export const requestChecks: RequestHandler = (req, _res, next) => {
  const seen = new Set<string>();
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!.toLowerCase();
    const value = req.rawHeaders[i + 1]!;
    if (!VISIBLE_ASCII.test(value)) throw invalid(`header ${name}`, 'must be visible ASCII');
    if (value.length > MAX_HEADER_VALUE) throw invalid(`header ${name}`, `is longer than ${MAX_HEADER_VALUE} characters`);
    if (SINGLE_HEADERS.includes(name)) {
      if (seen.has(name)) throw invalid(`header ${name}`, 'send the header once');
      seen.add(name);
    }
  }
  const url = req.originalUrl;
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const decodedPath = decode(path);
  if (decodedPath === undefined) throw invalid('path', 'is not percent-encoded UTF-8');
  if (CONTROL.test(decodedPath)) throw invalid('path', 'holds a control character');
  if (q >= 0) {
    for (const pair of url.slice(q + 1).split('&')) {
      if (!pair) continue;
      const eq = pair.indexOf('=');
      const name = decode((eq < 0 ? pair : pair.slice(0, eq)).replaceAll('+', ' ')) ?? pair.slice(0, eq < 0 ? undefined : eq);
      const value = decode((eq < 0 ? '' : pair.slice(eq + 1)).replaceAll('+', ' '));
      const field = `query ${toWellFormed(name)}`;
      if (value === undefined || !isWellFormed(name)) throw invalid(field, 'is not percent-encoded UTF-8');
      if (CONTROL.test(name) || CONTROL.test(value)) throw invalid(field, 'holds a control character');
      if (value.length > MAX_QUERY_VALUE) throw invalid(field, `is longer than ${MAX_QUERY_VALUE} characters`);
    }
  }
  next();
};

function decode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}
