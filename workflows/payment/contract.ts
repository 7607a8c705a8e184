/** The payment context's contract: what the order saga keeps of an authorization. */

export interface Authorization {
  authorizationId: string;
  amountCents: number;
  expiresAt: string;
}
