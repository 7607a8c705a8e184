/**
 * Stripe's test PaymentMethods the simulator knows (https://docs.stripe.com/testing), and the card tokens
 * it accepts as aliases of them. Any other id is "No such PaymentMethod", as at Stripe.
 */
const APPROVED = ['pm_card_visa', 'pm_card_visa_debit', 'pm_card_mastercard', 'pm_card_amex', 'pm_card_discover'];

const DECLINED: Record<string, { code: string; declineCode: string }> = {
  pm_card_chargeDeclined: { code: 'card_declined', declineCode: 'generic_decline' },
  pm_card_chargeDeclinedInsufficientFunds: { code: 'card_declined', declineCode: 'insufficient_funds' },
  pm_card_chargeDeclinedLostCard: { code: 'card_declined', declineCode: 'lost_card' },
  pm_card_chargeDeclinedStolenCard: { code: 'card_declined', declineCode: 'stolen_card' },
  pm_card_chargeDeclinedFraudulent: { code: 'card_declined', declineCode: 'fraudulent' },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', declineCode: 'expired_card' },
  pm_card_chargeDeclinedIncorrectCvc: { code: 'incorrect_cvc', declineCode: 'incorrect_cvc' },
  pm_card_chargeDeclinedProcessingError: { code: 'processing_error', declineCode: 'processing_error' },
};

const ALIASES: Record<string, string> = {
  tok_visa: 'pm_card_visa',
  tok_visa_debit: 'pm_card_visa_debit',
  tok_mastercard: 'pm_card_mastercard',
  tok_amex: 'pm_card_amex',
  tok_discover: 'pm_card_discover',
  tok_chargeDeclined: 'pm_card_chargeDeclined',
  tok_chargeDeclinedInsufficientFunds: 'pm_card_chargeDeclinedInsufficientFunds',
  tok_chargeDeclinedExpiredCard: 'pm_card_chargeDeclinedExpiredCard',
  tok_chargeDeclinedFraudulent: 'pm_card_chargeDeclinedFraudulent',
};

export type CardOutcome = { kind: 'approved'; paymentMethod: string; brand: string } | { kind: 'declined'; paymentMethod: string; code: string; declineCode: string } | { kind: 'unknown' };

export function cardOutcome(paymentMethod: string): CardOutcome {
  const id = ALIASES[paymentMethod] ?? paymentMethod;
  if (APPROVED.includes(id)) return { kind: 'approved', paymentMethod: id, brand: id.replace('pm_card_', '').replace('_debit', '') };
  const declined = DECLINED[id];
  if (declined) return { kind: 'declined', paymentMethod: id, ...declined };
  return { kind: 'unknown' };
}
