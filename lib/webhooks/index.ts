/** The webhooks context's runtime entry in lib/ (for composition roots): the HTTP sender that delivers events. */
export { webhookSender, type SenderOptions } from './sender';
export type { Resolver } from './safeTarget';
