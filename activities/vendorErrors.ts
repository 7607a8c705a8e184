import { ApplicationFailure } from '@temporalio/common';
import type { VendorClient } from './vendorClient';
import { unexpected } from './vendorClient';

/**
 * The typed errors of the vendor ports (carrier, WMS, ERP): every adapter throws these, whatever its protocol,
 * and the activities turn them into the saga's failure types (`viaPort`).
 */

/** The vendor could not be reached or asked to come back later (network, timeout, 429, 5xx): retry with the same key. */
export class VendorUnavailable extends Error {
  readonly kind = 'VendorUnavailable';
}

/** The vendor answered something no retry will change and the saga has no meaning for: a bug or a contract change. */
export class VendorRefused extends Error {
  readonly kind = 'VendorRefused';
}

/**
 * A vendor's own words about a failure (its error message, the mail server's reply): they may echo the request's
 * e-mail, address or payment token. Temporal stores a failure's message in clear but encodes its details with the
 * payload codec, so the words go in the details (`ApplicationFailure.*(message, type, ...vendorWords(words))`),
 * where staff can read them through the codec, and the message keeps only a status and a machine code.
 */
export const vendorWords = (words: string | undefined): [{ vendorMessage: string }] | [] => (words ? [{ vendorMessage: words }] : []);

/** Runs a port call and turns its typed errors into the failures the saga has always seen (VendorUnavailable, VendorContractViolation). */
export async function viaPort<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof VendorUnavailable) throw ApplicationFailure.retryable(err.message, 'VendorUnavailable');
    if (err instanceof VendorRefused) throw ApplicationFailure.nonRetryable(err.message, 'VendorContractViolation');
    throw err;
  }
}

/**
 * For the simulator adapters: the simulators' HTTP client reports outages as retryable failures; as port errors
 * they are VendorUnavailable, with the same message.
 */
export async function simCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof ApplicationFailure && err.type === 'VendorUnavailable') throw new VendorUnavailable(err.message);
    throw err;
  }
}

/** An answer of a simulator that no outcome of its port stands for (the words `unexpected` always used). */
export function refused(system: string, response: Parameters<typeof unexpected>[1]): VendorRefused {
  return new VendorRefused(unexpected(system, response).message);
}

export type { VendorClient };
