// Hotpath support console: plain browser JavaScript, no build step. Everything shown is set with textContent.
'use strict';

(() => {
  // The statuses an order never leaves: filled at start from the API's OpenAPI document (its TerminalOrderStatus enum).
  const TERMINAL = [];
  const COMPENSATIONS = new Set(['inventory.released', 'payment.voided', 'payment.refunded', 'label.cancelled', 'wms.task_cancelled', 'shipment.cancelled', 'erp.credited']);
  const EVENT_LABELS = {
    'order.received': 'Order received',
    'inventory.reserved': 'Inventory reserved (hold)',
    'inventory.released': 'Hold released',
    'payment.authorized': 'Payment authorized',
    'payment.voided': 'Authorization voided',
    'payment.captured': 'Payment captured',
    'payment.refunded': 'Payment refunded',
    'label.created': 'Label created',
    'label.cancelled': 'Label cancelled',
    'shipment.handed_off': 'Handed off to the warehouse',
    'wms.task_cancelled': 'Warehouse task cancelled',
    'shipment.cancelled': 'Shipment cancelled',
    'erp.credited': 'ERP credit posted',
    'shipment.shipped': 'Shipped',
    'customer.notified': 'Customer notified',
    'erp.recorded': 'Recorded in the ERP',
    'return.requested': 'Return requested',
    'return.expected': 'Warehouse expects the return',
    'return.labelled': 'Return label created',
    'return.awaiting_receipt': 'Return awaiting receipt',
    'wms.return_received': 'Warehouse counted the return',
    'return.received': 'Return received',
    'payment.refund_intended': 'Refund decided',
    'return.restocked': 'Returned units restocked or written off',
    'return.refunded': 'Return refunded',
    'return.label_cancelled': 'Return label cancelled',
    'return.expectation_cancelled': 'Warehouse no longer expects the return',
    'return.cancelled': 'Return cancelled',
    'return.expired': 'Return expired',
    'return.failed': 'Return failed',
  };
  const TERMINAL_RETURNS = ['refunded', 'expired', 'cancelled', 'failed'];
  const POLL_MS = 1500;

  const $ = (id) => document.getElementById(id);
  const el = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  };
  const show = (node, visible) => {
    node.hidden = !visible;
  };

  let current = null; // the open order's id
  const listedStatus = new Map(); // orderId -> its status badge in the search results, kept current
  let pollTimer = null;

  // ---------------------------------------------------------------------------------------------------
  // HTTP: same-origin fetch with the session cookie; the header marks requests as the console's own (CSRF guard).

  class ApiError extends Error {
    constructor(status, detail) {
      super(detail);
      this.status = status;
    }
  }

  async function call(method, path, body, extraHeaders = {}) {
    const headers = { accept: 'application/json, application/problem+json', 'x-hotpath-console': '1', ...extraHeaders };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
    } catch {
      throw new ApiError(0, 'the API cannot be reached; check your connection and try again');
    }
    const text = await res.text();
    let data;
    try {
      data = text ? JSON.parse(text) : undefined;
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const detail = data && typeof data.detail === 'string' ? data.detail : `${res.status} ${res.statusText}`;
      throw new ApiError(res.status, detail);
    }
    return data;
  }

  function showError(err) {
    const box = $('error');
    if (!err) {
      show(box, false);
      box.textContent = '';
      return;
    }
    box.textContent = err instanceof ApiError || err instanceof Error ? err.message : String(err);
    show(box, true);
    if (err instanceof ApiError && err.status === 401 && !$('workspace').hidden) signedOut('Your session has ended; sign in again.');
  }

  // ---------------------------------------------------------------------------------------------------
  // Formatting

  function money(cents, currency) {
    if (typeof cents !== 'number') return '';
    try {
      return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency || 'USD' }).format(cents / 100);
    } catch {
      return `${(cents / 100).toFixed(2)} ${currency || ''}`.trim();
    }
  }

  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso) : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
  }

  function badge(node, status) {
    node.textContent = status || '';
    node.className = `badge status-${String(status || '').replace(/[^a-z_]/g, '')}`;
  }

  // A timeline event's detail as words: `amountCents: 2500` reads "amount 25.00", a list of picks reads
  // "2 × TSHIRT-BLK-M at wh-east", shares read "ord_…-s1 25.00"; never raw JSON.
  const words = (key) => key.replace(/Cents$/, '').replace(/Id$/, ' id').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  function phrase(value, key, currency) {
    if (value === null || value === undefined || value === '') return '—';
    if (Array.isArray(value)) return value.length === 0 ? 'none' : value.map((v) => phrase(v, key, currency)).join(', ');
    if (typeof value === 'object') {
      const v = value;
      if (v.sku !== undefined && v.quantity !== undefined) {
        const where = v.warehouse ? ` at ${v.warehouse}` : '';
        const price = typeof v.unitPriceCents === 'number' ? ` at ${money(v.unitPriceCents, currency)} each` : '';
        const cond = v.condition ? ` ${v.condition}` : '';
        const line = v.line !== undefined || v.lineNo !== undefined ? ` (line ${v.line ?? v.lineNo})` : '';
        return `${v.quantity} × ${v.sku}${cond}${line}${where}${price}`;
      }
      if (v.shipmentId !== undefined && typeof v.amountCents === 'number' && Object.keys(v).length === 2) return `${v.shipmentId} ${money(v.amountCents, currency)}`;
      return Object.entries(v)
        .map(([k, inner]) => `${words(k)} ${phrase(inner, k, currency)}`)
        .join(', ');
    }
    if (typeof value === 'number' && /Cents$/.test(key || '')) return money(value, currency);
    return String(value);
  }

  function describe(detail, currency) {
    if (!detail || typeof detail !== 'object') return '';
    return Object.entries(detail)
      .map(([k, v]) => `${words(k)}: ${phrase(v, k, currency)}`)
      .join(' · ');
  }

  function paymentState(p) {
    if (p.refundedCents > 0) return p.refundedCents >= p.capturedCents ? 'refunded' : 'partly refunded';
    if (p.capturedCents > 0) return 'captured';
    if (p.voidedCents > 0) return 'voided';
    if (p.authorizedCents > 0) return 'authorized';
    return 'none';
  }

  function fillDl(dl, pairs) {
    dl.replaceChildren();
    for (const [term, value] of pairs) {
      dl.append(el('dt', term), el('dd', value === null || value === undefined || value === '' ? '—' : value));
    }
  }

  function row(cells) {
    const tr = document.createElement('tr');
    for (const cell of cells) {
      const td = document.createElement('td');
      if (cell instanceof Node) td.append(cell);
      else td.textContent = cell === null || cell === undefined ? '—' : String(cell);
      tr.append(td);
    }
    return tr;
  }

  // ---------------------------------------------------------------------------------------------------
  // Session

  function signedIn(session) {
    $('principal').textContent = session.principal;
    show($('who'), true);
    show($('sign-in'), false);
    show($('workspace'), true);
  }

  function signedOut(message) {
    stopPolling();
    current = null;
    show($('who'), false);
    show($('workspace'), false);
    show($('order'), false);
    show($('sign-in'), true);
    if (message) {
      $('error').textContent = message;
      show($('error'), true);
    }
    $('token').focus();
  }

  $('sign-in-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(null);
    const input = $('token');
    try {
      const session = await call('POST', '/console/session', { token: input.value });
      input.value = '';
      signedIn(session);
      openFromHash();
    } catch (err) {
      showError(err);
    }
  });

  $('sign-out').addEventListener('click', async () => {
    showError(null);
    try {
      await call('DELETE', '/console/session');
    } catch (err) {
      showError(err);
    }
    signedOut();
  });

  // ---------------------------------------------------------------------------------------------------
  // Search

  $('search-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(null);
    // Clear the last answer first, so what is listed is always this search's.
    renderResults([], 0);
    renderAlerts([]);
    $('result-count').textContent = 'Searching…';
    const params = new URLSearchParams();
    for (const name of ['q', 'customerId', 'status']) {
      const value = $(name).value.trim();
      if (value) params.set(name, value);
    }
    try {
      const result = await call('GET', `/orders?${params}`);
      renderResults(result.orders, result.limit);
      // The needs-attention view also lists payment alerts on orders that have already ended.
      renderAlerts(params.get('status') === 'needs_attention' ? (await call('GET', '/admin/payment-alerts')).alerts : []);
      // An order id that matches exactly opens straight away.
      const q = params.get('q');
      if (q && result.orders.length === 1 && result.orders[0].orderId === q) await openOrder(q);
    } catch (err) {
      showError(err);
    }
  });

  function renderResults(orders, limit) {
    const body = $('results').tBodies[0];
    body.replaceChildren();
    listedStatus.clear();
    for (const o of orders) {
      const open = el('button', o.orderId, 'link');
      open.type = 'button';
      open.addEventListener('click', () => openOrder(o.orderId).catch(showError));
      const status = el('span');
      badge(status, o.status);
      listedStatus.set(o.orderId, status);
      body.append(row([open, o.customerId, status, money(o.totalCents, o.currency), when(o.createdAt), when(o.updatedAt)]));
    }
    show($('results'), orders.length > 0);
    $('result-count').textContent =
      orders.length === 0 ? 'No orders match.' : `${orders.length} order${orders.length === 1 ? '' : 's'}, newest first${orders.length >= limit ? ` (first ${limit} shown)` : ''}.`;
  }

  function renderAlerts(alerts) {
    const body = $('alerts').tBodies[0];
    body.replaceChildren();
    for (const a of alerts) {
      const open = el('button', a.orderId, 'link');
      open.type = 'button';
      open.addEventListener('click', () => openOrder(a.orderId).catch(showError));
      const status = el('span');
      badge(status, a.orderStatus);
      body.append(row([open, `${a.detail.alert} (${a.detail.eventType})`, a.detail.why, status, when(a.at)]));
    }
    show($('payment-alerts'), alerts.length > 0);
  }

  // ---------------------------------------------------------------------------------------------------
  // One order

  async function openOrder(orderId) {
    stopPolling();
    current = orderId;
    $('cancel-result').textContent = '';
    show($('cancel-result'), false);
    $('cancel-reason').value = '';
    if (location.hash !== `#${orderId}`) history.replaceState(null, '', `#${orderId}`);
    await loadOrder();
  }

  async function loadOrder() {
    const orderId = current;
    if (!orderId) return;
    const order = await call('GET', `/orders/${encodeURIComponent(orderId)}`);
    if (orderId !== current) return; // another order was opened meanwhile
    renderOrder(order);
    stopPolling();
    const liveReturn = (order.returns || []).some((r) => !TERMINAL_RETURNS.includes(r.status));
    if (!TERMINAL.includes(order.status) || liveReturn) pollTimer = setTimeout(poll, POLL_MS);
  }

  function poll() {
    pollTimer = null;
    loadOrder().catch(showError);
  }

  function stopPolling() {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = null;
  }

  function renderOrder(o) {
    show($('order'), true);
    $('order-id').textContent = o.orderId;
    badge($('order-status'), o.status);
    if (listedStatus.has(o.orderId)) badge(listedStatus.get(o.orderId), o.status);
    $('order-reason').textContent = o.reason ? `reason: ${o.reason}` : '';
    $('order-updated').textContent = `Loaded ${new Date().toLocaleTimeString()}${TERMINAL.includes(o.status) ? '' : ' · refreshing while the order is in progress'}`;

    const link = $('workflow-link');
    const workflow = o.links && typeof o.links.workflow === 'string' && /^https?:\/\//.test(o.links.workflow) ? o.links.workflow : null;
    if (workflow) link.href = workflow;
    else link.removeAttribute('href');
    show(link, Boolean(workflow));

    fillDl($('summary'), [
      ['Customer', o.customerId],
      ['Total', money(o.totalCents, o.currency)],
      ['Created', when(o.createdAt)],
      ['Updated', when(o.updatedAt)],
      ['Workflow id', o.workflowId],
    ]);
    const lines = $('lines').tBodies[0];
    lines.replaceChildren(...o.lines.map((l, i) => row([l.line ?? i + 1, l.sku, l.quantity, money(l.unitPriceCents, o.currency)])));
    const lineChoice = $('return-line');
    const chosen = lineChoice.value;
    lineChoice.replaceChildren(...o.lines.map((l, i) => {
      const option = el('option', `line ${l.line ?? i + 1}: ${l.quantity} × ${l.sku}`);
      option.value = String(l.line ?? i + 1);
      return option;
    }));
    if (chosen) lineChoice.value = chosen;

    const p = o.payment;
    const state = paymentState(p);
    badge($('payment-state'), state);
    $('payment-state').className = `badge payment-${state.replace(/\s/g, '-')}`;
    fillDl($('payment'), [
      ['Authorization', p.authorizationId],
      ['Authorized', money(p.authorizedCents, o.currency)],
      ['Captured', money(p.capturedCents, o.currency)],
      ['Voided', money(p.voidedCents, o.currency)],
      ['Refunded', money(p.refundedCents, o.currency)],
    ]);

    const shipments = $('shipments').tBodies[0];
    shipments.replaceChildren(
      ...o.shipments.map((s) => {
        const tr = row([s.shipmentId, s.warehouse, s.status, money(s.amountCents || 0, o.currency), money(s.capturedCents || 0, o.currency), money(s.refundedCents || 0, o.currency)]);
        // Tracking number, label and WMS task stacked in one cell: the table fits its card.
        const parcel = document.createElement('td');
        parcel.className = 'ids';
        for (const [name, value] of [['tracking', s.trackingNumber], ['label', s.labelId], ['WMS task', s.wmsTaskId]]) {
          const line = el('div');
          line.append(el('span', `${name} `, 'hint'), el('code', value || '—'));
          parcel.append(line);
        }
        tr.append(parcel);
        return tr;
      }),
    );
    show($('shipments'), o.shipments.length > 0);
    show($('no-shipments'), o.shipments.length === 0);

    show($('cancel'), !TERMINAL.includes(o.status) && o.status !== 'compensating');

    const returns = o.returns || [];
    const returnRows = $('returns').tBodies[0];
    returnRows.replaceChildren(
      ...returns.map((r) => {
        const tr = row([r.returnId, '', r.lines.map((l) => `${l.quantity} × ${l.sku} (line ${l.line})${l.resellable !== null ? `: ${l.resellable} resellable, ${l.damaged} damaged, ${l.missing} missing` : ''}`).join('; '), r.reason, money(r.refundedCents, o.currency), r.labels.map((l) => `${l.trackingNumber} (${l.warehouse})`).join(', ') || '—']);
        const status = el('span');
        badge(status, r.status);
        status.classList.add('return-status');
        tr.cells[1].append(status);
        const actions = document.createElement('td');
        if (!TERMINAL_RETURNS.includes(r.status) && r.status !== 'received') {
          const button = el('button', 'Cancel return', 'secondary');
          button.type = 'button';
          button.addEventListener('click', () => cancelReturn(o.orderId, r.returnId, button));
          actions.append(button);
        }
        tr.append(actions);
        return tr;
      }),
    );
    show($('returns'), returns.length > 0);
    show($('no-returns'), returns.length === 0);
    const shipped = o.shipments.some((s) => s.status === 'shipped');
    show($('return-form'), shipped);
    show($('return-not-shipped'), !shipped);

    const timeline = $('timeline');
    timeline.replaceChildren(
      ...o.history.map((e) => {
        // A return's refund and credit are its purpose, not a compensation of the order.
        const compensation = COMPENSATIONS.has(e.type) && !(e.detail && e.detail.returnId);
        const li = el('li', undefined, compensation ? 'compensation' : e.type === 'status' ? 'status' : '');
        li.append(el('time', when(e.at)));
        const title = e.type === 'status' ? `Status: ${e.status}` : EVENT_LABELS[e.type] || e.type;
        li.append(el('strong', title));
        if (compensation) li.append(el('span', 'compensation', 'tag'));
        const detail = describe(e.detail, o.currency);
        if (detail) li.append(el('span', detail, 'detail'));
        return li;
      }),
    );
  }

  async function cancelReturn(orderId, returnId, button) {
    showError(null);
    button.disabled = true;
    const result = $('return-result');
    try {
      await call('POST', `/orders/${encodeURIComponent(orderId)}/returns/${encodeURIComponent(returnId)}/cancel`, { reason: 'cancelled by staff in the console' });
      result.textContent = `Return ${returnId} cancelled: its label is being cancelled.`;
      result.className = 'notice ok';
    } catch (err) {
      result.textContent = `Return not cancelled: ${err.message}`;
      result.className = 'notice refused';
    } finally {
      show(result, true);
    }
    await loadOrder().catch(showError);
  }

  $('return-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(null);
    const orderId = current;
    const button = event.submitter || $('return-form').querySelector('button');
    button.disabled = true;
    const result = $('return-result');
    try {
      const body = { lines: [{ line: Number($('return-line').value), quantity: Number($('return-quantity').value) }], reason: $('return-reason').value.trim(), resolution: 'refund' };
      const answer = await call('POST', `/orders/${encodeURIComponent(orderId)}/returns`, body, { 'idempotency-key': `console-${crypto.randomUUID()}` });
      result.textContent = `Return ${answer.returnId} requested: the warehouse is told to expect it and a return label follows.`;
      result.className = 'notice ok';
      $('return-reason').value = '';
    } catch (err) {
      result.textContent = `Return not requested: ${err.message}`;
      result.className = 'notice refused';
    } finally {
      button.disabled = false;
      show(result, true);
    }
    await loadOrder().catch(showError);
  });

  $('refresh').addEventListener('click', () => {
    showError(null);
    loadOrder().catch(showError);
  });

  $('cancel-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    showError(null);
    const orderId = current;
    const reason = $('cancel-reason').value.trim();
    const button = event.submitter || $('cancel-form').querySelector('button');
    button.disabled = true;
    const result = $('cancel-result');
    try {
      const answer = await call('POST', `/orders/${encodeURIComponent(orderId)}/cancel`, { reason });
      const refused = (answer.refused || []).map((r) => `${r.shipmentId} (${r.reason})`).join(', ');
      result.textContent = `Cancellation accepted: the order is ${answer.status}; compensations follow in the timeline.${(answer.cancelled || []).length ? ` Cancelled: ${answer.cancelled.join(', ')}.` : ''}${refused ? ` Refused: ${refused}.` : ''}`;
      result.className = 'notice ok';
      $('cancel-reason').value = '';
    } catch (err) {
      result.textContent = `Not cancelled: ${err.message}`;
      result.className = 'notice refused';
      if (err.status === 401) showError(err);
    } finally {
      button.disabled = false;
      show(result, true);
    }
    await loadOrder().catch(showError);
  });

  // ---------------------------------------------------------------------------------------------------
  // Start: signed in already (the cookie is HttpOnly, so ask the API)?

  function openFromHash() {
    const id = decodeURIComponent(location.hash.slice(1));
    if (/^ord_[a-z0-9]{1,40}$/.test(id)) openOrder(id).catch(showError);
  }

  const terminalLoaded = call('GET', '/openapi.json').then((doc) => {
    TERMINAL.push(...doc.components.schemas.TerminalOrderStatus.enum);
  });
  terminalLoaded
    .catch(showError)
    .then(() => call('GET', '/console/session'))
    .then(
      (session) => {
        signedIn(session);
        openFromHash();
      },
      (err) => {
        if (err.status === 401) signedOut();
        else {
          signedOut();
          showError(err);
        }
      },
    );
})();
