/** The payment context's contract in the activities layer: the payment port a worker is given (Stripe's adapter implements it). */
export type { AuthorizeOutcome, AuthorizeRequest, CaptureOutcome, PaymentGateway, PaymentSnapshot, RefundRequest } from './port';
export { PaymentGatewayRefused, PaymentGatewayUnavailable } from './port';
