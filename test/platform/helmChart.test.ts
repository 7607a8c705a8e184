import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_KEYS, DEFAULT_TASK_QUEUE, loadConfig } from '../../lib/config';
import { CHART_DIR, EVERYTHING_ON, containersOf, helm, renderChart, type K8sObject } from '../support/helm';
import { validateObject } from '../support/k8sModels';

/**
 * deploy/helm/hotpath, linted and rendered by the real helm (`npm run setup` builds it) with the default values and
 * with everything on; the rendered objects are checked against the Kubernetes, KEDA and Prometheus Operator schemas
 * (typed models from npm) and against what the processes really read and serve. No cluster is needed.
 */
const defaults = renderChart();
const everything = renderChart([EVERYTHING_ON]);
const renders = { defaults, everything } as const;

/** What the processes use when unset: the ports and the task queue the chart must agree with. */
const code = loadConfig({});

/** Variables that hold credentials: they must come from a Secret, never be written into the chart's output. */
const SECRET_VARIABLES = ['DATABASE_URL', 'PAYLOAD_KEYS', 'STAFF_TOKENS', 'CHECKOUT_TOKENS', 'SESSION_SECRET', 'WMS_WEBHOOK_SECRET', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_KEY', 'TEMPORAL_API_KEY', 'SMTP_URL'];

/** Variables the chart may set that lib/config.ts does not parse: read by the OpenTelemetry SDK itself. */
const READ_ELSEWHERE = ['OTEL_EXPORTER_OTLP_ENDPOINT'];

const byKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);
const one = (objects: K8sObject[], kind: string, component: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.labels?.['app.kubernetes.io/component'] === component);
  expect(found, `${kind} of ${component}`).toHaveLength(1);
  return found[0]!;
};
const envOf = (o: K8sObject) => containersOf(o)[0].env as { name: string; value?: string; valueFrom?: any }[];
const plainEnv = (o: K8sObject) => Object.fromEntries(envOf(o).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
const kindCounts = (objects: K8sObject[]) => objects.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o.kind]: (acc[o.kind] ?? 0) + 1 }), {});

describe('the Helm chart (deploy/helm/hotpath)', () => {
  it('passes helm lint with the default values and with everything on', () => {
    expect(helm(['lint', '--strict', CHART_DIR])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(helm(['lint', '--strict', CHART_DIR, '-f', EVERYTHING_ON])).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
  });

  it('renders the three processes, the hook Jobs and the budgets by default, and the autoscalers, the ServiceMonitor and the PrometheusRule only when asked', () => {
    const core = { Deployment: 3, Service: 4, PodDisruptionBudget: 2, Job: 2 };
    expect(kindCounts(defaults)).toEqual(core);
    expect(kindCounts(everything)).toEqual({ ...core, HorizontalPodAutoscaler: 1, ScaledObject: 1, TriggerAuthentication: 1, ServiceMonitor: 1, PrometheusRule: 1 });
    for (const component of ['api', 'worker', 'dispatcher']) one(defaults, 'Deployment', component);
    expect(byKind(defaults, 'Job').map((j) => j.metadata.annotations?.['helm.sh/hook'])).toEqual(['pre-install,pre-upgrade', 'pre-install,pre-upgrade']);
    expect(byKind(defaults, 'Job').map((j) => containersOf(j)[0].command.at(-1))).toEqual(['scripts/migrate.ts', 'scripts/register-search-attributes.ts']);
  });

  it('renders only objects that are valid by their kind’s schema', () => {
    for (const o of [...defaults, ...everything]) validateObject(o);
  });

  it("exposes the ports the processes listen on, and binds metrics where a scrape can reach them", () => {
    for (const objects of Object.values(renders)) {
      const api = containersOf(one(objects, 'Deployment', 'api'))[0];
      expect(api.ports).toEqual([{ name: 'http', containerPort: code.API_PORT }, { name: 'metrics', containerPort: code.API_METRICS_PORT }]);
      expect(plainEnv(one(objects, 'Deployment', 'api'))).toMatchObject({ API_PORT: String(code.API_PORT), API_METRICS_PORT: String(code.API_METRICS_PORT), API_METRICS_HOST: '0.0.0.0' });
      const worker = containersOf(one(objects, 'Deployment', 'worker'))[0];
      expect(worker.ports).toEqual([{ name: 'metrics', containerPort: code.WORKER_METRICS_PORT }]);
      expect(plainEnv(one(objects, 'Deployment', 'worker'))).toMatchObject({ WORKER_METRICS_PORT: String(code.WORKER_METRICS_PORT), WORKER_METRICS_HOST: '0.0.0.0' });
      const dispatcher = containersOf(one(objects, 'Deployment', 'dispatcher'))[0];
      expect(dispatcher.ports).toEqual([{ name: 'metrics', containerPort: code.DISPATCHER_METRICS_PORT }]);
      expect(plainEnv(one(objects, 'Deployment', 'dispatcher'))).toMatchObject({ DISPATCHER_METRICS_PORT: String(code.DISPATCHER_METRICS_PORT), DISPATCHER_METRICS_HOST: '0.0.0.0' });
      expect(dispatcher.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    }
  });

  it('probes the API on /healthz: ready on Postgres alone (orders are taken while Temporal is down), alive while it answers', () => {
    for (const objects of Object.values(renders)) {
      const api = containersOf(one(objects, 'Deployment', 'api'))[0];
      expect(api.readinessProbe.httpGet).toEqual({ path: '/healthz?need=postgres', port: 'http' });
      expect(api.startupProbe.httpGet).toEqual({ path: '/healthz?need=postgres', port: 'http' });
      expect(api.livenessProbe.httpGet).toEqual({ path: '/healthz?need=', port: 'http' });
      const worker = containersOf(one(objects, 'Deployment', 'worker'))[0];
      expect(worker.livenessProbe.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    }
  });

  it('inlines no secret: no Secret object, every credential a secretKeyRef, and a credential given as a value is refused', () => {
    for (const objects of Object.values(renders)) {
      expect(byKind(objects, 'Secret')).toEqual([]);
      for (const o of objects.filter((x) => containersOf(x).length)) {
        for (const e of envOf(o)) {
          if (!SECRET_VARIABLES.includes(e.name)) continue;
          expect(e, `${o.metadata.name} ${e.name}`).not.toHaveProperty('value');
          expect(e.valueFrom?.secretKeyRef?.name, `${o.metadata.name} ${e.name}`).toEqual(expect.any(String));
        }
      }
    }
    const api = envOf(one(everything, 'Deployment', 'api'));
    expect(api.find((e) => e.name === 'TEMPORAL_API_KEY')?.valueFrom.secretKeyRef).toEqual({ name: 'hotpath-temporal-api-key', key: 'TEMPORAL_API_KEY' });
    expect(api.find((e) => e.name === 'STAFF_TOKENS')?.valueFrom.secretKeyRef).toEqual({ name: 'hotpath', key: 'STAFF_TOKENS' });
    expect(() => helm(['template', 'hp', CHART_DIR, '--set', 'config.STAFF_TOKENS=support:abc'])).toThrow(/STAFF_TOKENS is a secret/);
    expect(() => helm(['template', 'hp', CHART_DIR, '--set', 'worker.env.DATABASE_URL=postgres://u:p@db/hotpath'])).toThrow(/DATABASE_URL is a secret/);
  });

  it('gives each process only the credentials it reads', () => {
    const secretsOf = (component: string) => envOf(one(defaults, 'Deployment', component)).filter((e) => e.valueFrom).map((e) => e.name).sort();
    expect(secretsOf('api')).toEqual(['CHECKOUT_TOKENS', 'DATABASE_URL', 'PAYLOAD_KEYS', 'SESSION_SECRET', 'STAFF_TOKENS', 'STRIPE_WEBHOOK_SECRET', 'WMS_WEBHOOK_SECRET']);
    expect(secretsOf('worker')).toEqual(['DATABASE_URL', 'PAYLOAD_KEYS', 'STRIPE_API_KEY']);
    expect(secretsOf('dispatcher')).toEqual(['CHECKOUT_TOKENS', 'DATABASE_URL', 'PAYLOAD_KEYS']);
  });

  it('sets only variables the processes read', () => {
    const known = new Set<string>([...CONFIG_KEYS, ...READ_ELSEWHERE]);
    for (const objects of Object.values(renders)) {
      for (const o of objects.filter((x) => containersOf(x).length)) {
        for (const e of envOf(o)) expect(known.has(e.name), `${o.metadata.name} sets ${e.name}, which nothing reads`).toBe(true);
      }
    }
  });

  it('keeps the metrics ports out of every public Service (no LoadBalancer or NodePort carries them)', () => {
    const metricsPorts = [code.API_METRICS_PORT, code.WORKER_METRICS_PORT, code.DISPATCHER_METRICS_PORT];
    const publicServices = byKind(everything, 'Service').filter((s) => ['LoadBalancer', 'NodePort'].includes(s.spec.type));
    expect(publicServices.map((s) => s.metadata.name)).toEqual(['hp-hotpath-api']);
    for (const s of [...publicServices, ...byKind(defaults, 'Service').filter((x) => x.metadata.name === 'hp-hotpath-api')]) {
      for (const p of s.spec.ports) {
        expect(metricsPorts).not.toContain(p.port);
        expect(p.targetPort).not.toBe('metrics');
        expect(metricsPorts).not.toContain(p.targetPort);
      }
    }
    for (const s of byKind(everything, 'Service').filter((x) => x.metadata.labels?.['hotpath.io/metrics'] === 'true')) {
      expect(s.spec).toMatchObject({ type: 'ClusterIP', clusterIP: 'None' });
    }
  });

  it('runs exactly one dispatcher, replaced with Recreate, whatever the values say', () => {
    for (const objects of [defaults, everything]) {
      const dispatcher = one(objects, 'Deployment', 'dispatcher');
      expect(dispatcher.spec.replicas).toBe(1);
      expect(dispatcher.spec.strategy).toEqual({ type: 'Recreate' });
    }
    const overridden = helm(['template', 'hp', CHART_DIR, '--set', 'dispatcher.replicas=3']);
    const dispatcher = parse(overridden.split('---').find((d) => d.includes('component: dispatcher') && d.includes('kind: Deployment'))!);
    expect(dispatcher.spec.replicas).toBe(1);
    const values = parse(readFileSync(`${CHART_DIR}/values.yaml`, 'utf8'));
    expect(values.dispatcher).not.toHaveProperty('replicas');
    // The workers leave the background duties to it; the dispatcher does not turn them off for itself.
    expect(plainEnv(one(defaults, 'Deployment', 'worker')).WORKER_BACKGROUND_DUTIES).toBe('false');
    expect(plainEnv(one(defaults, 'Deployment', 'dispatcher'))).not.toHaveProperty('WORKER_BACKGROUND_DUTIES');
  });

  it("scales the workers with KEDA's temporal scaler on the task queue the worker polls, and the API with an HPA on CPU", () => {
    const worker = one(everything, 'Deployment', 'worker');
    const env = plainEnv(worker);
    const scaled = byKind(everything, 'ScaledObject')[0]!;
    expect(scaled.spec.scaleTargetRef.name).toBe(worker.metadata.name);
    expect(scaled.spec.triggers).toHaveLength(1);
    const [trigger] = scaled.spec.triggers;
    expect(trigger.type).toBe('temporal');
    expect(trigger.metadata).toMatchObject({ taskQueue: DEFAULT_TASK_QUEUE, endpoint: env.TEMPORAL_ADDRESS, namespace: env.TEMPORAL_NAMESPACE, targetQueueSize: expect.stringMatching(/^\d+$/) });
    expect(env.TASK_QUEUE).toBe(DEFAULT_TASK_QUEUE);
    expect(code.TASK_QUEUE).toBe(DEFAULT_TASK_QUEUE);
    // Temporal Cloud: the scaler authenticates with the same Secrets as the worker.
    const auth = byKind(everything, 'TriggerAuthentication')[0]!;
    expect(trigger.authenticationRef.name).toBe(auth.metadata.name);
    expect(auth.spec.secretTargetRef.map((r: any) => r.parameter).sort()).toEqual(['apiKey', 'ca', 'cert', 'key']);
    // While an autoscaler owns the replica count, the Deployment does not fight it.
    expect(worker.spec).not.toHaveProperty('replicas');
    expect(one(defaults, 'Deployment', 'worker').spec.replicas).toBe(2);

    const hpa = byKind(everything, 'HorizontalPodAutoscaler')[0]!;
    const api = one(everything, 'Deployment', 'api');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: api.metadata.name });
    expect(hpa.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } }]);
    expect(api.spec).not.toHaveProperty('replicas');
  });

  it('scrapes the three metrics ports (API, worker, dispatcher) through the ServiceMonitor, and only them', () => {
    const monitor = byKind(everything, 'ServiceMonitor')[0]!;
    const selected = byKind(everything, 'Service').filter((s) => Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => s.metadata.labels?.[k] === v));
    expect(selected.map((s) => s.spec.ports.map((p: any) => p.port)).flat().sort()).toEqual([code.WORKER_METRICS_PORT, code.API_METRICS_PORT, code.DISPATCHER_METRICS_PORT].sort());
    for (const endpoint of monitor.spec.endpoints) expect(selected.every((s) => s.spec.ports.some((p: any) => p.name === endpoint.port))).toBe(true);
    for (const s of selected) {
      const pods = byKind(everything, 'Deployment').filter((d) => Object.entries(s.spec.selector).every(([k, v]) => d.spec.template.metadata.labels[k] === v));
      expect(pods, s.metadata.name).toHaveLength(1);
      expect(containersOf(pods[0]!)[0].ports.map((p: any) => p.name)).toContain('metrics');
    }
  });

  it('carries the alerting rules of deploy/prometheus/hotpath-rules.yml in the PrometheusRule, unchanged, for the ruleSelector', () => {
    const rulesFile = new URL('../../deploy/prometheus/hotpath-rules.yml', import.meta.url);
    // The chart can read only its own files: its copy must be the file promtool tests (copy it over after an edit).
    expect(readFileSync(new URL('../../deploy/helm/hotpath/files/hotpath-rules.yml', import.meta.url), 'utf8')).toBe(readFileSync(rulesFile, 'utf8'));
    const rule = byKind(everything, 'PrometheusRule')[0]!;
    const groups = parse(readFileSync(rulesFile, 'utf8')).groups;
    expect(groups.flatMap((g: { rules: unknown[] }) => g.rules).length).toBeGreaterThan(5);
    // Every rule as the file has it, the alert annotations' own {{ $value }} templates included (helm leaves them be).
    expect(rule.spec.groups).toEqual(groups);
    expect(JSON.stringify(rule.spec.groups)).toContain('{{ $value }}');
    expect(rule.metadata.labels).toMatchObject({ release: 'prometheus', 'app.kubernetes.io/instance': 'hp' });
  });

  it('mounts the Temporal client certificate where the TLS settings point, and spreads and budgets the scaled processes', () => {
    for (const component of ['api', 'worker', 'dispatcher']) {
      const d = one(everything, 'Deployment', component);
      const env = plainEnv(d);
      const mount = containersOf(d)[0].volumeMounts.find((m: any) => m.name === 'temporal-tls');
      for (const file of [env.TEMPORAL_TLS_CERT_PATH, env.TEMPORAL_TLS_KEY_PATH, env.TEMPORAL_TLS_CA_PATH]) expect(file?.startsWith(`${mount.mountPath}/`)).toBe(true);
      expect(d.spec.template.spec.volumes.find((v: any) => v.name === 'temporal-tls').secret.secretName).toBe('hotpath-temporal-tls');
    }
    for (const component of ['api', 'worker']) {
      const d = one(defaults, 'Deployment', component);
      const labels = d.spec.selector.matchLabels;
      expect(d.spec.template.spec.topologySpreadConstraints.map((c: any) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const c of d.spec.template.spec.topologySpreadConstraints) expect(c.labelSelector.matchLabels).toEqual(labels);
      expect(one(defaults, 'PodDisruptionBudget', component).spec.selector.matchLabels).toEqual(labels);
    }
  });
});
