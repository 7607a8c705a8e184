import type { VendorResult } from '../http';

/** An error in Stripe's shape: `{error: {type, code, message, param, …}}` with Stripe's status codes. */
export class StripeError extends Error {
  constructor(
    readonly status: number,
    readonly type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error',
    readonly code: string | undefined,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }

  toResult(): VendorResult {
    return { status: this.status, body: { error: { type: this.type, ...(this.code ? { code: this.code } : {}), message: this.message, ...this.extra } } };
  }
}

export function invalidParam(param: string, message: string): StripeError {
  return new StripeError(400, 'invalid_request_error', 'parameter_invalid_integer', message, { param });
}

export function missingParam(param: string): StripeError {
  return new StripeError(400, 'invalid_request_error', 'parameter_missing', `Missing required param: ${param}.`, { param });
}

export function noSuch(what: string, id: string, param?: string): StripeError {
  return new StripeError(404, 'invalid_request_error', 'resource_missing', `No such ${what}: '${id}'`, param ? { param } : {});
}

/** Runs route logic, turning a thrown StripeError into its answer. */
export function stripeOutcome(action: () => VendorResult): VendorResult {
  try {
    return action();
  } catch (error) {
    if (error instanceof StripeError) return error.toResult();
    throw error;
  }
}
