/**
 * The house's import rules (docs/architecture.md), checked by test/architecture/imports.test.ts.
 *
 * Layers (top-level folders) hold one folder per bounded context. A context's `contract.ts` is the only file
 * of it that code outside the context may import; a composition root (a file directly in a layer folder) may
 * also import a context's `index.ts`, its runtime entry. Same context, any layer: free. Tests, scripts and the
 * simulators are exempt from the contract rule (not from the circle rule).
 */
const LAYERS = '(?:workflows|activities|api|worker|db|lib)';
const CONTEXTS = '(?:order|shipment|payment|inventory|erp|notifications|webhooks|retention|returns)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import circle, type-only imports included (tsPreCompilationDeps): cut it by moving what both sides need into a file that imports neither.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'worker-not-api',
      severity: 'error',
      comment: 'The worker runs without the API: what both need lives in lib/ or db/.',
      from: { path: '^worker/' },
      to: { path: '^api/' },
    },
    {
      name: 'api-not-worker',
      severity: 'error',
      comment: 'The API runs without the worker: what both need lives in lib/ or db/.',
      from: { path: '^api/' },
      to: { path: '^worker/' },
    },
    {
      name: 'contract-only',
      severity: 'error',
      comment: "Code in one context folder imports another context only through its contract.ts (same context, any layer, is free).",
      from: { path: `^${LAYERS}/([^/]+)/` },
      to: {
        path: `^${LAYERS}/${CONTEXTS}/`,
        pathNot: [`^${LAYERS}/$1/`, `^${LAYERS}/${CONTEXTS}/contract\\.ts$`],
      },
    },
    {
      name: 'roots-through-contract-or-index',
      severity: 'error',
      comment: "A composition root (a file directly in a layer folder) imports a context's contract.ts or its index.ts, never the files behind them.",
      from: { path: `^${LAYERS}/[^/]+$` },
      to: {
        path: `^${LAYERS}/${CONTEXTS}/`,
        pathNot: `^${LAYERS}/${CONTEXTS}/(?:contract|index)\\.ts$`,
      },
    },
    {
      name: 'workflows-deterministic',
      severity: 'error',
      comment:
        'Workflow code runs in the deterministic sandbox: at run time it imports only workflow code and the workflow SDK ' +
        '(no activities, db/, node builtins or @temporalio/client). Type-only imports (erased) are allowed. Checked per file: ' +
        'as no file under workflows/ reaches out at run time, nothing reachable from workflows/index.ts does.',
      from: { path: '^workflows/' },
      to: {
        dependencyTypesNot: ['type-only', 'pre-compilation-only'],
        pathNot: ['^workflows/', '(?:^|/)node_modules/@temporalio/(?:workflow|common)/'],
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^node_modules/', '^clients/ts/node_modules/', '^test/architecture/fixtures/', '^\\.data/'] },
    tsPreCompilationDeps: true,
    // swc (shipped with @temporalio/worker's bundler) tells type-only imports apart; dependency-cruiser cannot use TypeScript 7's API.
    parser: 'swc',
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
  },
};
