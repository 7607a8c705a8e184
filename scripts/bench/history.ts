import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { orderWorkflowId } from '../../workflows/order/contract';
import type { SimLatencies } from './sim';
import { summarize, type Summary } from './stats';

type Event = temporal.api.history.v1.IHistoryEvent;

const ms = (ts: Event['eventTime']): number => {
  if (!ts) return NaN;
  const s = ts.seconds as unknown;
  const seconds = typeof s === 'object' && s !== null && 'toNumber' in s ? (s as { toNumber(): number }).toNumber() : Number(s ?? 0);
  return seconds * 1000 + (ts.nanos ?? 0) / 1e6;
};

export interface PathBreakdown {
  /** Order transaction start (orders.created_at) → WorkflowExecutionStarted. */
  commitToWorkflowStart: number;
  /** Workflow tasks on the way to the handoff: waiting in the task queue, and running in the worker (incl. local activities). */
  workflowTaskQueue: number;
  workflowTaskRun: number;
  workflowTasks: number;
  /** The activities that gated each step (the later of reserve ∥ authorize, then label, then handoff): queue wait. */
  activityQueue: number;
  /** Their run time minus the simulated vendor latency: Postgres writes, HTTP, payload codec. */
  activityRunBeyondSimulated: number;
  /** What is left between the events (should be ~0). */
  unaccounted: number;
  /** Order committed → handOffShipment completed, minus the simulated critical path. */
  total: number;
}

/**
 * Splits the time from an order's commit to its WMS handoff into what Temporal's own history timestamps show:
 * workflow-task queueing and processing, activity queueing and activity run time beyond the simulated latency.
 * Payloads are not decoded (event times and types are not encrypted).
 */
function breakdownOf(events: Event[], createdMs: number, latencies: SimLatencies): PathBreakdown | undefined {
  const simulated: Record<string, number> = { authorizePayment: latencies.authorize, createLabel: latencies.label, handOffShipment: latencies.wms, reserveInventory: 0 };
  const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
  if (!started) return undefined;
  const activities = new Map<string, { name: string; scheduled: number; started?: number; completed?: number; completedEventId?: number }>();
  const wfts = new Map<string, { scheduled: number; started?: number; completed?: number }>();
  for (const e of events) {
    const id = String(e.eventId);
    const t = ms(e.eventTime);
    if (e.activityTaskScheduledEventAttributes) activities.set(id, { name: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', scheduled: t });
    if (e.activityTaskStartedEventAttributes) {
      const a = activities.get(String(e.activityTaskStartedEventAttributes.scheduledEventId));
      if (a) a.started = t;
    }
    if (e.activityTaskCompletedEventAttributes) {
      const a = activities.get(String(e.activityTaskCompletedEventAttributes.scheduledEventId));
      if (a) {
        a.completed = t;
        a.completedEventId = Number(e.eventId);
      }
    }
    if (e.workflowTaskScheduledEventAttributes) wfts.set(id, { scheduled: t });
    if (e.workflowTaskStartedEventAttributes) {
      const w = wfts.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId));
      if (w) w.started = t;
    }
    if (e.workflowTaskCompletedEventAttributes) {
      const w = wfts.get(String(e.workflowTaskCompletedEventAttributes.scheduledEventId));
      if (w) w.completed = t;
    }
  }
  const handoff = [...activities.values()].find((a) => a.name === 'handOffShipment' && a.completed !== undefined);
  if (!handoff) return undefined;
  const end = handoff.completed!;
  const tasks = [...wfts.values()].filter((w) => w.completed !== undefined && w.completed <= end).sort((a, b) => a.scheduled - b.scheduled);
  const out: PathBreakdown = { commitToWorkflowStart: ms(started.eventTime) - createdMs, workflowTaskQueue: 0, workflowTaskRun: 0, workflowTasks: tasks.length, activityQueue: 0, activityRunBeyondSimulated: 0, unaccounted: 0, total: end - createdMs - (latencies.authorize + latencies.label + latencies.wms) };
  let cursor = ms(started.eventTime);
  const done = [...activities.values()].filter((a) => a.completed !== undefined && a.started !== undefined);
  const account = (until: number) => {
    // The activity that completed last before `until` gated this stretch.
    const gate = done.filter((a) => a.completed! <= until + 0.001 && a.completed! > cursor).sort((a, b) => b.completed! - a.completed!)[0];
    if (!gate) return;
    out.activityQueue += Math.max(0, gate.started! - Math.max(gate.scheduled, cursor));
    out.activityRunBeyondSimulated += gate.completed! - gate.started! - (simulated[gate.name] ?? 0);
    cursor = gate.completed!;
  };
  for (const w of tasks) {
    account(w.scheduled);
    out.unaccounted += Math.max(0, w.scheduled - cursor);
    out.workflowTaskQueue += w.started! - w.scheduled;
    out.workflowTaskRun += w.completed! - w.started!;
    cursor = w.completed!;
  }
  account(end);
  out.unaccounted += Math.max(0, end - cursor);
  return out;
}

export interface HistoryBreakdown {
  how: string;
  sampled: number;
  analysed: number;
  /** Per component, the distribution over the sampled orders (ms per order). */
  componentsMs: Record<keyof PathBreakdown, Summary>;
}

export async function historyBreakdown(temporalAddress: string, orders: { id: string; created: number }[], latencies: SimLatencies, sample = 30): Promise<HistoryBreakdown> {
  const step = Math.max(1, Math.floor(orders.length / sample));
  const picked = orders.filter((_, i) => i % step === 0).slice(0, sample);
  const connection = await Connection.connect({ address: temporalAddress });
  try {
    const client = new Client({ connection });
    const rows: PathBreakdown[] = [];
    for (const order of picked) {
      const history = await client.workflow.getHandle(orderWorkflowId(order.id)).fetchHistory();
      const row = breakdownOf(history.events ?? [], order.created, latencies);
      if (row) rows.push(row);
    }
    const keys = ['commitToWorkflowStart', 'workflowTaskQueue', 'workflowTaskRun', 'workflowTasks', 'activityQueue', 'activityRunBeyondSimulated', 'unaccounted', 'total'] as const;
    return {
      how: 'event times of each sampled order\'s workflow history (Temporal server clock) against orders.created_at (Postgres, same machine clock); the gating activity of each stretch is the one that completed last before the next workflow task was scheduled',
      sampled: picked.length,
      analysed: rows.length,
      componentsMs: Object.fromEntries(keys.map((k) => [k, summarize(rows.map((r) => r[k]))])) as Record<keyof PathBreakdown, Summary>,
    };
  } finally {
    await connection.close();
  }
}
