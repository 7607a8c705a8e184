import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { setMailpitChaos } from '../../lib/mailpit';
import { SIGNATURE_HEADER, signPayload } from '../../lib/shipment/wmsSignature';
import type { ManagedProcess } from '../../lib/childProcess/managed';
import type { Random } from './random';

export const VENDORS = ['payment', 'carrier', 'wms', 'erp', 'notifications'] as const;

export interface FaultLog {
  transientErrorRate: number;
  /** Customer e-mail goes over SMTP to a Mailpit whose chaos answers this share of RCPT TO with a 451 (retried). */
  mailRecipientTempFailPct: number;
  latencySpikes: number;
  timeoutWindows: number;
  outages: string[];
  /** The ERP: outage windows, windows of lost answers (the ERP acts, its answer is lost), and the rate throughout. */
  erp: { outages: number; lostAnswerWindows: number; lostAnswerRateThroughout: number };
  workerKills: number;
  apiKills: number;
  temporalRestarts: number;
  shipmentsShipped: number;
  duplicateCallbacks: number;
}

export interface FaultTargets {
  simUrl: string;
  /** Mailpit's API (started with chaos on): the SMTP server the worker sends customer e-mail to. */
  mailpitUrl?: string;
  apiUrl: () => string;
  webhookSecret: string;
  db: Database;
  worker: ManagedProcess;
  api: ManagedProcess;
  restartTemporal: () => Promise<void>;
  random: Random;
  log: (line: string) => void;
  /** Orders the run steers (scripts/chaos/steering.ts): their parcels ship only when the steering ships them. */
  isSteered?: (orderId: string) => boolean;
}

const behavior = (simUrl: string, system: string, patch: Record<string, unknown>) =>
  fetch(`${simUrl}/_sim/${system}/behavior`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(patch) });

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the fault schedule over `durationMs`: 20% transient vendor errors throughout, latency spikes, a
 * window of calls that hang past the client timeout, a 30 s outage of the WMS, an outage of the ERP (late,
 * while orders wait to be recorded), lost ERP answers (3% throughout, half of them for 15 s), SIGKILL of the worker every
 * ~20 s, one SIGKILL of the API, one restart of the Temporal server, and shipped-parcel callbacks
 * delivered three times each. Returns a stop function and the log of what was injected.
 */
export function runFaults(t: FaultTargets, durationMs: number, options: { outageMs: number; erpOutageMs: number; workerKillEveryMs: number }) {
  const log: FaultLog = { transientErrorRate: 0.2, mailRecipientTempFailPct: t.mailpitUrl ? 20 : 0, latencySpikes: 0, timeoutWindows: 0, outages: [], erp: { outages: 0, lostAnswerWindows: 0, lostAnswerRateThroughout: 0.03 }, workerKills: 0, apiKills: 0, temporalRestarts: 0, shipmentsShipped: 0, duplicateCallbacks: 0 };
  let stopped = false;
  const loops: Promise<void>[] = [];
  const every = (ms: number, fn: () => Promise<void>) =>
    loops.push(
      (async () => {
        while (!stopped) {
          await sleep(ms);
          if (!stopped) await fn().catch((err) => t.log(`fault step failed: ${(err as Error).message}`));
        }
      })(),
    );
  const at = (ms: number, fn: () => Promise<void>) =>
    loops.push(
      (async () => {
        await sleep(ms);
        if (!stopped) await fn().catch((err) => t.log(`fault failed: ${(err as Error).message}`));
      })(),
    );

  loops.push(Promise.all(VENDORS.map((v) => behavior(t.simUrl, v, { failureRate: log.transientErrorRate }))).then(() => undefined));
  loops.push(behavior(t.simUrl, 'erp', { lostResponseRate: log.erp.lostAnswerRateThroughout }).then(() => undefined));
  // E-mail fails on purpose too: the SMTP server itself refuses a share of recipients for now (451), and the step retries.
  if (t.mailpitUrl) loops.push(setMailpitChaos(t.mailpitUrl, { Recipient: { ErrorCode: 451, Probability: log.mailRecipientTempFailPct } }));

  at(durationMs * 0.2, async () => {
    log.erp.lostAnswerWindows += 1;
    t.log('the ERP loses half its answers for 15 s');
    await behavior(t.simUrl, 'erp', { lostResponseRate: 0.5 });
    await sleep(15_000);
    await behavior(t.simUrl, 'erp', { lostResponseRate: log.erp.lostAnswerRateThroughout });
  });

  at(durationMs * 0.7, async () => {
    log.erp.outages += 1;
    log.outages.push(`erp ${options.erpOutageMs / 1000} s`);
    t.log(`ERP outage for ${options.erpOutageMs / 1000} s`);
    await behavior(t.simUrl, 'erp', { outage: true });
    await sleep(options.erpOutageMs);
    await behavior(t.simUrl, 'erp', { outage: false });
  });

  every(6_000, async () => {
    const vendor = t.random.pick(VENDORS);
    log.latencySpikes += 1;
    await behavior(t.simUrl, vendor, { latencyMs: t.random.int(500, 1500) });
    await sleep(3_000);
    await behavior(t.simUrl, vendor, { latencyMs: 0 });
  });

  at(durationMs * 0.25, async () => {
    log.timeoutWindows += 1;
    t.log('payment calls hang past the client timeout for 5 s');
    await behavior(t.simUrl, 'payment', { hangMs: 5_000 });
    await sleep(5_000);
    await behavior(t.simUrl, 'payment', { hangMs: 0 });
  });

  at(durationMs * 0.3, async () => {
    log.outages.push(`wms ${options.outageMs / 1000} s`);
    t.log(`WMS outage for ${options.outageMs / 1000} s`);
    await behavior(t.simUrl, 'wms', { outage: true });
    await sleep(options.outageMs);
    await behavior(t.simUrl, 'wms', { outage: false });
  });

  every(options.workerKillEveryMs, async () => {
    t.log('kill -9 worker');
    await t.worker.kill9();
    log.workerKills += 1;
    await sleep(500);
    await t.worker.start();
  });

  at(durationMs * 0.5, async () => {
    t.log('kill -9 API');
    await t.api.kill9();
    log.apiKills += 1;
    await sleep(2_000);
    await t.api.start();
  });

  at(durationMs * 0.65, async () => {
    t.log('restart the Temporal server');
    await t.restartTemporal();
    log.temporalRestarts += 1;
  });

  every(3_000, async () => {
    // Parcels leave the warehouse; the WMS calls back, and the same callback arrives twice more.
    const handedOff = await t.db.execute<{ id: string; order_id: string; wms_task_id: string; tracking_number: string }>(
      sql`select id, order_id, wms_task_id, tracking_number from shipments where status = 'handed_off' and wms_task_id is not null order by random() limit 5`,
    );
    for (const s of handedOff) {
      if (t.isSteered?.(s.order_id)) continue;
      const shipped = await fetch(`${t.simUrl}/_sim/wms/tasks/${s.wms_task_id}/ship`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      if (shipped.status !== 200) continue;
      log.shipmentsShipped += 1;
      const body = JSON.stringify({ event: 'task.shipped', taskId: s.wms_task_id, reference: s.order_id, shipmentId: s.id, trackingNumber: s.tracking_number, shippedAt: new Date().toISOString() });
      for (let i = 0; i < 2; i++) {
        const res = await fetch(`${t.apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(t.webhookSecret, body) }, body }).catch(() => undefined);
        if (res) log.duplicateCallbacks += 1;
      }
    }
  });

  return {
    log,
    stop: async () => {
      stopped = true;
      await Promise.all(loops);
      await fetch(`${t.simUrl}/_sim/reset`, { method: 'POST' });
      if (t.mailpitUrl) await setMailpitChaos(t.mailpitUrl, {});
    },
  };
}
