import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { afterAll, beforeAll, inject } from 'vitest';
import type { OrderActivities } from '../../activities';
import { orderWorkflowV3 } from '../../workflows';
import type { Hold } from '../../workflows/inventory/contract';
import type { OrderInput, OrderState, OrderStatus } from '../../workflows/order/contract';
import type { ShipmentPlan } from '../../workflows/shipment/contract';
import { TEST_SAGA_POLICY } from '../support/testPolicy';

/**
 * The order workflow with stubbed activities: plain async functions a test controls, each call recorded, run by a
 * real Worker on a task queue of its own against the run's Temporal dev server. No Postgres, no vendors: a run
 * takes the workflow's own round trips plus Temporal's retry timers. The workflow code is bundled once per file.
 */

type Activities = OrderActivities;
type Name = keyof Activities;
type Input<N extends Name> = Parameters<Activities[N]>[0];
type Output<N extends Name> = Awaited<ReturnType<Activities[N]>>;

/** A stub receives the activity's input; `attempt` is Temporal's attempt number (1 for the first try). */
export type Stub<N extends Name> = (input: Input<N>, attempt: number) => Promise<Output<N>>;

/** The order saga's activities (the rest of OrderActivities belong to the reconciliation, which it never calls). */
const SAGA_ACTIVITIES = [
  'reserveInventory', 'releaseHold', 'releaseShipment', 'suspendHoldExpiry', 'renewHoldExpiry', 'authorizePayment', 'voidAuthorization',
  'capturePayment', 'refundShipment', 'refundPayment', 'createLabel', 'cancelLabel', 'handOffShipment', 'cancelWarehouseTask',
  'requestShipmentCancellation', 'requestWarehouseCancellation', 'notifyCustomer', 'recordOrderInErp', 'lookUpErpRecord',
  'creditShipmentInErp', 'recordOrderStatus',
] as const satisfies readonly Name[];
type SagaName = (typeof SAGA_ACTIVITIES)[number];
type SagaStubs = { [N in SagaName]: Stub<N> };
export type Stubs = Partial<SagaStubs>;

export interface Call {
  name: Name;
  input: any;
  attempt: number;
  /** How the stub answered: ok, or the error it threw. */
  outcome: 'ok' | 'error';
}

/** The ApplicationFailure types the real activities throw for business failures (BUSINESS_FAILURES). */
export const failure = {
  outOfStock: () => ApplicationFailure.nonRetryable('not enough stock for SKU-1', 'OutOfStock'),
  paymentDeclined: () => ApplicationFailure.nonRetryable('payment declined: card_declined', 'PaymentDeclined', { code: 'card_declined' }),
  invalidAddress: () => ApplicationFailure.nonRetryable('the carrier rejected the address: unknown postal code', 'InvalidAddress'),
  authorizationExpired: () => ApplicationFailure.nonRetryable('the authorization expired before capture', 'AuthorizationExpired'),
  /** What a vendor that does not answer looks like to the saga: retryable, so the retry budget is spent. */
  unavailable: (system: string) => ApplicationFailure.retryable(`${system} answered 503`, 'VendorUnavailable'),
};

/** The warehouses an order's lines ship from: line i goes to warehouses[i] (so two lines, two warehouses: two shipments). */
function planShipments(input: Input<'reserveInventory'>, warehouses: readonly string[]): ShipmentPlan[] {
  const byWarehouse = new Map<string, ShipmentPlan>();
  input.lines.forEach((line, i) => {
    const warehouse = warehouses[Math.min(i, warehouses.length - 1)]!;
    const plan = byWarehouse.get(warehouse) ?? { shipmentId: `${input.orderId}-s${byWarehouse.size + 1}`, warehouse, lines: [], amountCents: 0, pricedLines: [] };
    plan.lines.push({ sku: line.sku, quantity: line.quantity });
    plan.pricedLines!.push({ ...line });
    plan.amountCents! += line.quantity * line.unitPriceCents;
    byWarehouse.set(warehouse, plan);
  });
  return [...byWarehouse.values()];
}

/** Answers shaped like the real activities' on a good day. */
export function happyStubs(options: { warehouses?: readonly string[] } = {}): SagaStubs {
  const warehouses = options.warehouses ?? ['wh-east'];
  const hold = (input: Input<'reserveInventory'>): Hold => ({ shipments: planShipments(input, warehouses), expiresAt: new Date(Date.now() + input.holdTtlMs).toISOString() });
  return {
    reserveInventory: async (input) => hold(input),
    releaseHold: async (input) => ({ releasedUnits: input.heldOnly ? 0 : 1 }),
    releaseShipment: async () => ({ releasedUnits: 1 }),
    suspendHoldExpiry: async () => ({ holds: 1 }),
    renewHoldExpiry: async () => ({ holds: 1 }),
    authorizePayment: async (input) => ({ authorizationId: `pi_${input.orderId}_${input.attempt}`, amountCents: input.amountCents, expiresAt: new Date(Date.now() + 7 * 86_400_000).toISOString() }),
    voidAuthorization: async () => ({ status: 'canceled' }),
    capturePayment: async (input) => input.amountCents,
    refundShipment: async (input) => ({ refundedCents: input.amountCents }),
    refundPayment: async () => ({ refundedCents: 0 }),
    createLabel: async (input) => ({ shipmentId: input.shipment.shipmentId, labelId: `lbl_${input.shipment.shipmentId}`, trackingNumber: `1Z${input.shipment.shipmentId.toUpperCase()}` }),
    cancelLabel: async () => undefined,
    handOffShipment: async (input) => ({ shipmentId: input.shipment.shipmentId, taskId: `task_${input.shipment.shipmentId}` }),
    cancelWarehouseTask: async () => undefined,
    requestShipmentCancellation: async () => ({ confirmed: true }),
    requestWarehouseCancellation: async () => ({ confirmed: true }),
    notifyCustomer: async (input) => ({ messageId: `msg_${input.orderId}_${input.template}` }),
    recordOrderInErp: async (input) => ({ erpOrderId: `erp_${input.orderId}` }),
    lookUpErpRecord: async () => null,
    creditShipmentInErp: async (input) => ({ creditId: `cr_${input.shipmentId}` }),
    recordOrderStatus: async () => undefined,
  };
}

/** A promise a stub waits on until the test opens it. */
export function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

export function orderInput(overrides: Partial<OrderInput> = {}): OrderInput {
  const orderId = `ord_wf${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const lines = overrides.lines ?? [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 1_250 }];
  return {
    orderId,
    customerId: 'cus_workflow_test',
    email: 'ada@example.com',
    currency: 'USD',
    totalCents: lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
    lines,
    shippingAddress: { name: 'Ada Lovelace', line1: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' },
    paymentToken: 'pm_card_visa',
    ...overrides,
    policy: { ...TEST_SAGA_POLICY, ...overrides.policy },
  };
}

export interface LiveRun {
  handle: WorkflowHandleWithFirstExecutionRunId<typeof orderWorkflowV3>;
  calls: Call[];
  /** Resolves once the workflow's state matches (polled through the orderState query). */
  waitForState(predicate: (state: OrderState) => boolean, what: string): Promise<OrderState>;
  waitForStatus(status: OrderStatus): Promise<OrderState>;
  /** Resolves once the named activity has been called (optionally: with an input the predicate accepts). */
  waitForCall(name: Name, predicate?: (input: any) => boolean): Promise<Call>;
}

export interface FinishedRun {
  state: OrderState;
  calls: Call[];
  handle: LiveRun['handle'];
  /** Names of the successful calls of the given activities, in call order. */
  done(names?: readonly Name[]): string[];
}

/** Compensation activities: what `done(COMPENSATIONS)` lists, in the order they ran. */
export const COMPENSATIONS: readonly Name[] = ['cancelWarehouseTask', 'cancelLabel', 'releaseShipment', 'refundShipment', 'refundPayment', 'voidAuthorization', 'releaseHold', 'creditShipmentInErp'];

interface Order {
  stubs: SagaStubs;
  calls: Call[];
}

/** The file's one client, bundle and worker. Stubs are looked up per call by the order id every activity input carries. */
let env: TestWorkflowEnvironment | undefined;
let taskQueue: string | undefined;
const orders = new Map<string, Order>();

const dispatchingActivities = () =>
  Object.fromEntries(
    SAGA_ACTIVITIES.map((name) => [
      name,
      async (arg: { orderId: string }) => {
        const order = orders.get(arg.orderId);
        if (!order) throw ApplicationFailure.nonRetryable(`no stubs for order ${arg.orderId}`, 'TestHarness');
        const call: Call = { name, input: arg, attempt: Context.current().info.attempt, outcome: 'ok' };
        order.calls.push(call);
        try {
          return await (order.stubs[name] as unknown as (input: unknown, attempt: number) => Promise<unknown>)(arg, call.attempt);
        } catch (err) {
          call.outcome = 'error';
          throw err;
        }
      },
    ]),
  );

/**
 * Registers the file's hooks: one client, the workflow code bundled once, and one worker on a task queue of its
 * own for every run of the file (starting and stopping a worker per test would cost about a second each).
 */
export function useWorkflowHarness(): void {
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  beforeAll(async () => {
    try {
      // The SDK's INFO and WARN lines (worker state changes, every stubbed failure) would bury the test output.
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Already installed in this process.
    }
    const [environment, workflowBundle] = await Promise.all([
      TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress') }),
      bundleWorkflowCode({ workflowsPath: fileURLToPath(new URL('../../workflows/index.ts', import.meta.url)), logger: quietLogger }),
    ]);
    env = environment;
    taskQueue = `order-workflow-test-${randomUUID()}`;
    worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowBundle, activities: dispatchingActivities() });
    running = worker.run();
  });
  afterAll(async () => {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running;
    await env?.teardown();
  });
}

const quietLogger = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} };

async function poll<T>(read: () => Promise<T | undefined>, what: string | (() => string), timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Runs one order to its end with the given stubs (the rest answer as on a good day), while `during` drives it
 * (updates, signals, gates). Returns the workflow's result and every activity call, local ones included.
 */
export async function runOrder(stubs: Stubs = {}, input: OrderInput = orderInput(), during?: (run: LiveRun) => Promise<void>, options: { warehouses?: readonly string[] } = {}): Promise<FinishedRun> {
  if (!env || !taskQueue) throw new Error('call useWorkflowHarness() in the test file');
  const calls: Call[] = [];
  orders.set(input.orderId, { stubs: { ...happyStubs(options), ...stubs }, calls });
  const handle = await env.client.workflow.start(orderWorkflowV3, { taskQueue, workflowId: `order-${input.orderId}`, args: [input] });
  let last: OrderState | undefined;
  const waitForState = (predicate: (state: OrderState) => boolean, what: string) =>
    poll(
      async () => {
        last = await handle.query<OrderState>('orderState');
        return predicate(last) ? last : undefined;
      },
      // A timeout says where the order was instead: its status and its last steps.
      () => `${what} (the order was ${last?.status}; its last steps: ${last?.steps.slice(-6).map((s) => s.step).join(' / ')})`,
    );
  const live: LiveRun = {
    handle,
    calls,
    waitForState,
    waitForStatus: (status) => waitForState((s) => s.status === status, `status ${status}`),
    waitForCall: (name, predicate = () => true) => poll(async () => calls.find((c) => c.name === name && predicate(c.input)), `a call of ${name}`),
  };
  // A driver that throws fails the test at once rather than leaving the workflow waiting.
  const [state] = await Promise.all([handle.result(), during?.(live)]);
  return {
    state,
    handle,
    calls,
    done: (names) => calls.filter((c) => c.outcome === 'ok' && (!names || names.includes(c.name))).map(callLine),
  };
}

/** A call as a short line: the activity and what it addressed (shipment, authorization attempt). */
export function callLine(call: Call): string {
  const input = call.input ?? {};
  const target = input.shipmentId ?? input.shipment?.shipmentId ?? (input.attempt !== undefined ? `#${input.attempt}` : input.authorizationId);
  return target ? `${call.name} ${target}` : call.name;
}
