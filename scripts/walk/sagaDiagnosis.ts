import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';

const EventType = temporal.api.enums.v1.EventType;

/**
 * What Temporal says of an order's saga that never ended: its status, the activities it waits on (attempt, last
 * failure), the last events of its history and the last workflow task failure. An order stuck `processing` shows
 * only its Postgres status; this says whether its workflow task keeps failing, an activity keeps retrying, or it
 * waits for a timer or a signal.
 */
export async function describeSaga(client: Client, workflowId: string): Promise<string> {
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const pending = (description.raw.pendingActivities ?? []).map(
      (a) => `${a.activityType?.name ?? '?'} attempt ${a.attempt ?? '?'}${a.lastFailure?.message ? ` (${a.lastFailure.message.slice(0, 160)})` : ''}`,
    );
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const name = (t: unknown) => String(EventType[Number(t)] ?? t).replace(/^EVENT_TYPE_/, '').toLowerCase();
    const last = events.slice(-10).map((e) => name(e.eventType));
    const taskFailure = [...events].reverse().find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes;
    const failureText = taskFailure
      ? `; last workflow task failure: ${taskFailure.failure?.message?.slice(0, 300) ?? '?'}${taskFailure.failure?.stackTrace ? ` at ${taskFailure.failure.stackTrace.split('\n').slice(0, 3).join(' | ')}` : ''}`
      : '';
    const task = description.raw.pendingWorkflowTask;
    const taskText = task ? `; workflow task pending (attempt ${task.attempt ?? '?'})` : '';
    return `saga ${workflowId} ${description.status.name}, ${events.length} events${taskText}; waiting on ${pending.length > 0 ? pending.join(', ') : 'no activity'}; last events ${last.join(' → ')}${failureText}`;
  } catch (err) {
    return `saga ${workflowId}: cannot describe (${(err as Error).message})`;
  }
}
