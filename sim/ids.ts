import { randomUUID } from 'node:crypto';

export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** '1Z' followed by 16 uppercase alphanumerics, UPS-style. */
export function newTrackingNumber(): string {
  return `1Z${randomUUID().replaceAll('-', '').slice(0, 16).toUpperCase()}`;
}
