import { setMailpitChaos } from '../../lib/mailpit';

/** How a walk breaks e-mail for one order, with Mailpit's own chaos triggers (Mailpit runs with `--enable-chaos`). */
export const MAIL_FAULTS = {
  /** Every RCPT TO answered 451 (try later): the mail server is down for the order's whole notify step. */
  refuseAll: { ErrorCode: 451, Probability: 100 },
  /** Half of them 451: some attempts get through, some are retried. */
  refuseHalf: { ErrorCode: 451, Probability: 50 },
  /** Every RCPT TO answered 550: the address bounces for good (the saga records the failure and goes on). */
  bounce: { ErrorCode: 550, Probability: 100 },
} as const;
export type MailFaultKind = keyof typeof MAIL_FAULTS;

/**
 * Mailpit's chaos is one setting of the whole mail server, while a walk breaks e-mail for one order: the
 * controller keeps every order's wish and sets the strongest (a bounce over a refusal, then the higher share).
 * Walks in other lanes meet the same mail server meanwhile; for them it is one more fault, never one the walk
 * counts on (the model only records what the walk did), and every order's e-mail has its own retries.
 */
export class MailChaos {
  private readonly wishes = new Map<string, MailFaultKind>();
  private applied: Promise<void> = Promise.resolve();

  constructor(readonly mailpitApiUrl: string) {}

  break(orderId: string, kind: MailFaultKind): Promise<void> {
    this.wishes.set(orderId, kind);
    return this.apply();
  }

  heal(orderIds: string[]): Promise<void> {
    let changed = false;
    for (const id of orderIds) changed = this.wishes.delete(id) || changed;
    return changed ? this.apply() : this.applied;
  }

  /** The trigger the wishes add up to (off when none). */
  strongest(): { ErrorCode: number; Probability: number } | undefined {
    const triggers = [...this.wishes.values()].map((k) => MAIL_FAULTS[k]);
    return triggers.sort((a, b) => Number(b.ErrorCode >= 500) - Number(a.ErrorCode >= 500) || b.Probability - a.Probability)[0];
  }

  /** One PUT at a time, in call order, so the last wish set is the one Mailpit keeps. */
  private apply(): Promise<void> {
    this.applied = this.applied.catch(() => {}).then(() => {
      const trigger = this.strongest();
      return setMailpitChaos(this.mailpitApiUrl, trigger ? { Recipient: trigger } : {});
    });
    return this.applied;
  }
}
