import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { resolveHelm } from '../../lib/helm';

/** The chart under test, and its values file with every optional part on. */
export const CHART_DIR = fileURLToPath(new URL('../../deploy/helm/hotpath', import.meta.url));
export const EVERYTHING_ON = `${CHART_DIR}/ci/everything-on.yaml`;

/** A rendered Kubernetes object, as `helm template` wrote it. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
}

/** The helm binary `npm run setup` built; without it, a failure that says how to get it. */
export function helmBinary(): string {
  const helm = resolveHelm();
  if (!helm) throw new Error('helm is missing: run `npm run setup` (it builds Helm v3.22.0 with Go once), or set HELM_PATH');
  return helm.path;
}

/** Runs helm; throws with its output when it exits non-zero. */
export function helm(args: string[]): string {
  const run = spawnSync(helmBinary(), args, { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`helm ${args.join(' ')} exited ${run.status}:\n${run.stdout}${run.stderr}`);
  return run.stdout;
}

/** `helm template` of the chart with the given values files, parsed into objects (empty documents dropped). */
export function renderChart(valuesFiles: string[] = [], chartDir = CHART_DIR): K8sObject[] {
  const out = helm(['template', 'hp', chartDir, ...valuesFiles.flatMap((f) => ['-f', f])]);
  return parseAllDocuments(out)
    .map((doc) => {
      if (doc.errors.length) throw new Error(`helm template wrote invalid YAML: ${doc.errors[0]!.message}`);
      return doc.toJS() as K8sObject | null;
    })
    .filter((o): o is K8sObject => o !== null);
}

/** The containers of a workload (Deployment or Job). */
export function containersOf(o: K8sObject): any[] {
  return o.spec?.template?.spec?.containers ?? [];
}
