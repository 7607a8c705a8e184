import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';

/** An authorization of the whole order (#1, or #2 after #1 lapsed), its void registered before it is asked for. */
export const authorize = (saga: OrderSaga, attempt: number) =>
  saga.ownSteps.step(`authorize payment #${attempt}`, {
    run: () =>
      saga.act.authorizePayment.executeWithOptions({ summary: stepSummary.authorize(saga.order, attempt) }, [
        { orderId: saga.orderId, attempt, amountCents: saga.order.totalCents, currency: saga.order.currency, paymentToken: saga.order.paymentToken },
      ]),
    undo: () => saga.undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(attempt) }, [{ orderId: saga.orderId, attempt }]),
  });
