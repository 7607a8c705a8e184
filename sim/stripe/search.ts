import { StripeError } from './errors';
import type { SimPaymentIntent } from './objects';

/**
 * The part of Stripe's search query language the simulator understands: `metadata['key']:'value'` and
 * `status:'value'` clauses joined by AND. Anything else is refused, as Stripe refuses a malformed query.
 */
const CLAUSE = /^(?:metadata\['((?:[^'\\]|\\.)+)'\]|(status|currency)):'((?:[^'\\]|\\.)*)'$/;

export function parseQuery(query: string): (pi: SimPaymentIntent) => boolean {
  const tests = query.split(/\s+AND\s+/).map((raw) => {
    const match = CLAUSE.exec(raw.trim());
    if (!match) throw new StripeError(400, 'invalid_request_error', 'parameter_invalid_string', `Unsupported search clause: ${raw}`, { param: 'query' });
    const [, metaKey, field, rawValue] = match;
    const value = rawValue!.replace(/\\(.)/g, '$1');
    if (metaKey !== undefined) {
      const key = metaKey.replace(/\\(.)/g, '$1');
      return (pi: SimPaymentIntent) => pi.metadata[key] === value;
    }
    return (pi: SimPaymentIntent) => String(pi[field as 'status' | 'currency']) === value;
  });
  return (pi) => tests.every((test) => test(pi));
}
