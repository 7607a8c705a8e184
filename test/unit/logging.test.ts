import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { LOG_REDACTION } from '../../lib/logger';

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
});
