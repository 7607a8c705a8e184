import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTION, LOG_SERIALIZERS } from '../../lib/logger';

describe('logs carry no customer PII', () => {
  it('redacts e-mail, address and payment token wherever an order or its input is logged', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = pino({ redact: LOG_REDACTION }, sink);
    const order = { orderId: 'ord_1', email: 'ada@example.com', paymentToken: 'tok_visa', shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: '02110', country: 'US' } };
    log.info(order, 'order placed');
    log.info({ input: order }, 'saga input');
    log.info({ order }, 'nested');
    const text = lines.join('\n');
    for (const secret of ['ada@example.com', 'Ada Lovelace', '12 Analytical St', 'tok_visa', '02110']) expect(text).not.toContain(secret);
    expect(text).toContain('ord_1');
  });

  it('drops the parameters a failed query carries (the order row, e-mail and address included)', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(chunk.toString()), done()) });
    const log = pino({ redact: LOG_REDACTION, serializers: LOG_SERIALIZERS }, sink);
    // The shape of drizzle's DrizzleQueryError: the parameters in the message, the stack and a field.
    const err = Object.assign(new Error('Failed query: insert into "orders" (...) values ($1, $2)\nparams: ord_1,ada@example.com,{"line1":"12 Analytical St"}'), {
      query: 'insert into "orders" (...) values ($1, $2)',
      params: ['ord_1', 'ada@example.com', '{"line1":"12 Analytical St"}'],
      cause: new Error('duplicate key value violates unique constraint "orders_pkey"'),
    });
    log.error({ err }, 'unhandled error');
    const text = lines.join('\n');
    for (const secret of ['ada@example.com', '12 Analytical St']) expect(text).not.toContain(secret);
    expect(text).toContain('Failed query: insert into');
    expect(text).toContain('orders_pkey');
  });
});
