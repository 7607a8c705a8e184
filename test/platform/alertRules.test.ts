import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolvePromtool } from '../../lib/promtool';
import { REPO_ROOT } from '../../scripts/stack/stack';
import { metricNamesIn } from '../support/promqlNames';
import { scrapeStack, type Scrape } from '../support/stackScrape';
import { useScratchDatabases } from '../support/scratchDatabase';
import { fixedEndpoint, startDispatcherProcess, subscribeDirectly, writeEvents } from '../support/dispatcherProcess';

/**
 * deploy/prometheus/hotpath-rules.yml and deploy/grafana/hotpath-dashboard.json: promtool checks the rules and runs
 * their unit tests (hotpath-rules.test.yml), each alert has its `for:`, severity and runbook section, and, since
 * promtool only ever sees invented series, every metric a rule or a panel names is checked against real scrapes of
 * the test stack's API, of a worker process and of a dispatcher process (after it delivered and failed a webhook).
 */
const PROMETHEUS_DIR = path.join(REPO_ROOT, 'deploy/prometheus');
const DASHBOARD = path.join(REPO_ROOT, 'deploy/grafana/hotpath-dashboard.json');
const OPERATIONS = path.join(REPO_ROOT, 'docs/operations.md');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface RuleTest {
  alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[];
}

const rules = (parse(readFileSync(path.join(PROMETHEUS_DIR, 'hotpath-rules.yml'), 'utf8')) as { groups: { rules: AlertRule[] }[] }).groups.flatMap((g) => g.rules);
const ruleTests = (parse(readFileSync(path.join(PROMETHEUS_DIR, 'hotpath-rules.test.yml'), 'utf8')) as { tests: RuleTest[] }).tests;

/** Every `expr` in a Grafana dashboard, panels inside rows included. */
function dashboardExprs(): { panel: string; expr: string }[] {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: any[] };
  const panels = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return panels.flatMap((p) => ((p.targets ?? []) as { expr?: string }[]).filter((t) => t.expr).map((t) => ({ panel: String(p.title), expr: t.expr! })));
}

function promtool(args: string[]): string {
  const tool = resolvePromtool();
  if (!tool) throw new Error('promtool is missing: run `npm run setup` (it builds promtool once with Go and caches it), or set PROMTOOL_PATH');
  const run = spawnSync(tool.path, args, { cwd: PROMETHEUS_DIR, encoding: 'utf8', timeout: 60_000 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`;
  if (run.status !== 0) throw new Error(`promtool ${args.join(' ')} failed (exit ${run.status ?? run.signal}):\n${output}`);
  return output;
}

/** GitHub's anchors of a Markdown file's headings (lower case, punctuation dropped, spaces as dashes). */
function anchorsOf(markdown: string): Set<string> {
  return new Set(
    [...markdown.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) =>
      m[1]!
        .trim()
        .toLowerCase()
        .replace(/[^\w\s-]/g, '')
        .replace(/\s/g, '-'),
    ),
  );
}

/** For a name no scrape has: the scraped names sharing most of its words, so a renamed series is found at once. */
function nearest(name: string, scrapes: Scrape[]): string {
  const words = name.split('_').filter((w) => w.length > 2);
  const close = [...new Set(scrapes.flatMap((s) => [...s.names]))].filter((n) => words.filter((w) => n.split('_').includes(w)).length >= Math.ceil(words.length * 0.6));
  return close.length ? `${name} (scraped: ${close.slice(0, 5).join(', ')})` : name;
}

describe('the alert rules, checked by promtool', () => {
  it('pass promtool check rules', () => {
    expect(promtool(['check', 'rules', 'hotpath-rules.yml'])).toContain(`SUCCESS: ${rules.length} rules found`);
  });

  it('pass their promtool unit tests', () => {
    expect(promtool(['test', 'rules', 'hotpath-rules.test.yml'])).toContain('SUCCESS');
  });

  it('cover what the operations issue asks for, each with a for:, a severity and a runbook section', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual(
      [
        'HotpathActivityScheduleToStartHigh',
        'HotpathCreateOrderLatencyHigh',
        'HotpathFailedOrdersRate',
        'HotpathOrdersParked',
        'HotpathOutboxBacklog',
        'HotpathReconciliationVarianceHigh',
        'HotpathStateMetricsAbsent',
        'HotpathWebhookAttemptsFailing',
        'HotpathWebhookDeliveryMetricsAbsent',
        'HotpathWebhookDeliverySLOBudgetBurn',
        'HotpathWebhookDeliverySlow',
        'HotpathWebhookDispatchBehind',
        'HotpathWebhookEndpointsDisabled',
        'HotpathWorkflowTaskScheduleToStartHigh',
      ].sort(),
    );
    const anchors = anchorsOf(readFileSync(OPERATIONS, 'utf8'));
    for (const rule of rules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      expect(rule.annotations?.runbook, rule.alert).toBe(`docs/operations.md#${rule.alert.toLowerCase()}`);
      expect(anchors.has(rule.alert.toLowerCase()), `docs/operations.md has no section ${rule.alert}`).toBe(true);
    }
  });

  it('are each unit-tested firing and not firing', () => {
    const cases = ruleTests.flatMap((t) => t.alert_rule_test ?? []);
    for (const rule of rules) {
      const mine = cases.filter((c) => c.alertname === rule.alert);
      expect(mine.some((c) => c.exp_alerts.length > 0), `${rule.alert}: no case where it fires`).toBe(true);
      expect(mine.some((c) => c.exp_alerts.length === 0), `${rule.alert}: no case where it does not fire`).toBe(true);
    }
  });
});

const scratch = useScratchDatabases('alertrules');

/** The dispatcher process's scrape after one delivery delivered and one failed (every outcome series it moves). */
async function scrapeDispatcher(): Promise<{ scrape: Scrape; stop: () => Promise<void> }> {
  const { url, db } = await scratch();
  const ok = await fixedEndpoint(() => 204);
  const failing = await fixedEndpoint(() => 503);
  const dispatcher = await startDispatcherProcess(url, { WEBHOOK_RETRY_SCHEDULE: '0' });
  const stop = async () => {
    await dispatcher.stop();
    await ok.close();
    await failing.close();
  };
  try {
    await subscribeDirectly(db, ok.url);
    await subscribeDirectly(db, failing.url);
    await writeEvents(db, 1);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const scrape = await dispatcher.scrape();
      if (scrape.text.includes('hotpath_webhook_deliveries_finished_total{state="failed"}') && scrape.text.includes('hotpath_webhook_deliveries_finished_total{state="delivered"}')) return { scrape, stop };
      if (Date.now() > deadline) throw new Error(`the dispatcher delivered nothing in 20 s:\n${dispatcher.process.recentOutput()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

describe('every series the rules and the dashboard name, in a real scrape', () => {
  let stack: { api: Scrape; worker: Scrape; dispatcher: Scrape; stop: () => Promise<void> };
  beforeAll(async () => {
    const [processes, dispatcher] = await Promise.all([scrapeStack(), scrapeDispatcher()]);
    stack = { ...processes, dispatcher: dispatcher.scrape, stop: async () => (await processes.stop(), await dispatcher.stop()) };
  }, 180_000);
  afterAll(async () => stack?.stop());
  const scrapes = () => [stack.api, stack.worker, stack.dispatcher];
  const scraped = (name: string) => scrapes().some((s) => s.names.has(name));

  const ruleNames = [...new Set(rules.flatMap((r) => metricNamesIn(r.expr)))].sort();
  const dashboardNames = [...new Set(dashboardExprs().flatMap((t) => metricNamesIn(t.expr)))].sort();

  it('reads names from the rules and the dashboard (not vacuous)', () => {
    expect(ruleNames).toContain('hotpath_orders_parked');
    expect(ruleNames).toContain('temporal_workflow_task_schedule_to_start_latency_bucket');
    expect(ruleNames.length).toBeGreaterThanOrEqual(10);
    expect(dashboardExprs().length).toBeGreaterThanOrEqual(10);
    expect(dashboardNames.length).toBeGreaterThanOrEqual(10);
  });

  it('each metric a rule names is in the scrape of the API, of the worker or of the dispatcher', () => {
    const missing = ruleNames.filter((name) => !scraped(name)).map((name) => nearest(name, scrapes()));
    expect(missing, `named by the rules but in no scrape`).toEqual([]);
  });

  it('each metric a dashboard panel names is in the scrape of the API, of the worker or of the dispatcher', () => {
    const missing = dashboardExprs().flatMap(({ panel, expr }) => metricNamesIn(expr).filter((n) => !scraped(n)).map((n) => `${panel}: ${nearest(n, scrapes())}`));
    expect(missing, 'named by the dashboard but in no scrape').toEqual([]);
  });

  it('the delivery series come from the dispatcher process, and its queue gauges from it alone', () => {
    for (const name of ['hotpath_webhook_delivery_attempts_total', 'hotpath_webhook_delivery_lag_seconds_bucket', 'hotpath_webhook_delivery_lag_seconds_count', 'hotpath_webhook_deliveries_in_flight']) {
      expect(stack.dispatcher.names.has(name), `${name} in the dispatcher's scrape`).toBe(true);
    }
    // The absent() alert's gauge: registered only where delivery runs, so no API or saga-only worker hides its absence.
    expect(stack.worker.names.has('hotpath_webhook_deliveries_in_flight')).toBe(false);
    for (const name of ruleNames.filter((n) => n.startsWith('hotpath_webhook_deliver') || n.startsWith('hotpath_webhook_attempt'))) {
      expect(stack.dispatcher.names.has(name), `${name} (named by a rule) in the dispatcher's scrape`).toBe(true);
    }
  });

  it('each comes from the process the docs say: the backlog gauges from the API only, the SDK metrics from the worker', () => {
    const backlog = ['hotpath_orders_parked', 'hotpath_outbox_backlog_orders', 'hotpath_outbox_oldest_age_seconds', 'hotpath_webhook_endpoints_disabled', 'hotpath_webhook_oldest_due_seconds'];
    for (const name of backlog) {
      expect(stack.api.names.has(name), `${name} in the API's scrape`).toBe(true);
      // Registered only where serveStateGauges runs: a worker exporting a 0 would pull max() down to nothing.
      expect(stack.worker.names.has(name), `${name} not in the worker's scrape`).toBe(false);
    }
    for (const name of [...ruleNames, ...dashboardNames].filter((n) => n.startsWith('temporal_'))) {
      expect(stack.worker.names.has(name), `${name} in the worker process's own scrape`).toBe(true);
    }
    // The SDK names its histograms without a unit (…_latency_bucket); useSecondsForDurations (worker/sdkMetrics.ts)
    // makes their buckets seconds, which the rules' thresholds (1 s, 5 s) assume.
    // (Seen: 0.1, 0.5, 1, 5, 10, 100, 1000; in milliseconds no bound would be under 1.)
    const bounds = [...stack.worker.text.matchAll(/^temporal_workflow_task_schedule_to_start_latency_bucket\{.*le="([^"]+)"/gm)].map((m) => m[1]!).filter((le) => le !== '+Inf').map(Number);
    expect(bounds.length).toBeGreaterThan(3);
    expect(bounds.some((le) => le > 0 && le < 1), `bucket bounds ${bounds.join(', ')}`).toBe(true);
    expect(stack.api.names.has('hotpath_http_request_duration_seconds_bucket')).toBe(true);
    expect(stack.worker.names.has('hotpath_saga_step_duration_seconds_bucket')).toBe(true);
  });
});
