import { Router, type Request } from 'express';
import { z } from 'zod';
import { isoAt, ok, parseInput, type VendorResult } from './http';
import { newId } from './ids';
import type { Message } from './notifications-records';
import { nonEmpty } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';

const sendMessageSchema = z.object({
  reference: nonEmpty,
  to: z.string(),
  template: nonEmpty,
  data: z.record(z.string(), z.unknown()).optional(),
});

export function notificationsRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'notifications');

  const sendMessage = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(sendMessageSchema, req.body);
    const to = parseInput(z.email(), input.to, 'invalid_recipient');
    const message = state.messages.add({
      type: 'message',
      id: newId('msg'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      to,
      template: input.template,
      data: input.data ?? {},
      status: 'sent',
    });
    return ok(201, { id: message.id, status: message.status });
  };

  router.post('/messages', routes.write(sendMessage));
  return router;
}
