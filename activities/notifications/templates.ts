import type { CustomerMessage } from './port';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The e-mail of a template: a plain-text body and the same facts in simple HTML. */
export function renderMessage(message: Pick<CustomerMessage, 'template' | 'data'>): RenderedMessage {
  const { orderId, trackingNumbers } = message.data;
  if (message.template === 'order_confirmed') {
    const parcels = trackingNumbers.length === 1 ? 'Your parcel is on its way' : `Your ${trackingNumbers.length} parcels are on their way`;
    return {
      subject: `Order ${orderId} confirmed`,
      text: [`Thank you for your order ${orderId}.`, '', `${parcels}. Tracking numbers:`, ...trackingNumbers.map((t) => `  - ${t}`), '', 'Hotpath', ''].join('\n'),
      html: [
        `<p>Thank you for your order <strong>${escapeHtml(orderId)}</strong>.</p>`,
        `<p>${escapeHtml(parcels)}. Tracking numbers:</p>`,
        `<ul>${trackingNumbers.map((t) => `<li><code>${escapeHtml(t)}</code></li>`).join('')}</ul>`,
        '<p>Hotpath</p>',
      ].join('\n'),
    };
  }
  if (message.template === 'return_label' || message.template === 'return_refunded' || message.template === 'return_expired') {
    const returnId = String(message.data.returnId ?? '');
    const money = typeof message.data.refundedCents === 'number' ? `${(message.data.refundedCents / 100).toFixed(2)} ${String(message.data.currency ?? '')}`.trim() : '';
    const lines =
      message.template === 'return_label'
        ? [`Your return ${returnId} of order ${orderId} is accepted.`, '', 'Send the parcel with this return label (tracking numbers):', ...trackingNumbers.map((t) => `  - ${t}`)]
        : message.template === 'return_refunded'
          ? [`We received your return ${returnId} of order ${orderId}.`, '', `Refunded: ${money}.`]
          : [`Your return ${returnId} of order ${orderId} has expired: we did not receive the parcel in time, and its label is cancelled.`];
    return {
      subject: message.template === 'return_label' ? `Return ${returnId}: your label` : message.template === 'return_refunded' ? `Return ${returnId} refunded` : `Return ${returnId} expired`,
      text: [...lines, '', 'Hotpath', ''].join('\n'),
      html: lines.filter((l) => l !== '').map((l) => `<p>${escapeHtml(l)}</p>`).join('\n'),
    };
  }
  // A template without its own wording still tells the customer which order it is about.
  return {
    subject: `About your order ${orderId}`,
    text: [`An update about your order ${orderId} (${message.template}).`, ...trackingNumbers.map((t) => `  - ${t}`), ''].join('\n'),
    html: `<p>An update about your order <strong>${escapeHtml(orderId)}</strong> (${escapeHtml(message.template)}).</p>${trackingNumbers.length ? `<ul>${trackingNumbers.map((t) => `<li>${escapeHtml(t)}</li>`).join('')}</ul>` : ''}`,
  };
}
