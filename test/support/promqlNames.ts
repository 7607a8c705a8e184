/**
 * The metric names a PromQL expression selects, by a small tokenizer of our own (no PromQL parser is on npm
 * offline; promtool parses, but does not list names). It reads the expression once, left to right:
 *
 * - string literals ('…', "…", `…`) are skipped, and so are label matchers `{…}` and ranges/subqueries `[…]`
 *   (Grafana's `$__rate_interval` among them), so a label value or a duration is never taken for a name;
 * - numbers and durations (`0.25`, `1e3`, `5m`, `1h30m`) are skipped whole, so `5m` does not yield `m`;
 * - an identifier followed by `(` is a function or an aggregation (`rate(`, `sum(`), not a metric, and so is an
 *   aggregation operator followed by its `by`/`without` clause (`sum by (le) (…)`);
 * - keywords (`and`, `or`, `unless`, `bool`, `offset`, …) are not metrics, and after `by`, `without`, `on`,
 *   `ignoring`, `group_left`, `group_right` the parenthesised list holds label names, so it is skipped;
 * - `$name` (a Grafana variable) is skipped;
 * - every other identifier is a metric name: `foo{…}`, `foo[5m]`, `foo > 1`, `foo and bar`.
 *
 * `{__name__="foo"}` selectors are not read (Hotpath's rules and dashboard use none). test/platform/promqlNames.test.ts
 * pins each rule above.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'start', 'end', 'inf', 'nan']);
const AGGREGATIONS = new Set(['sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);

export function metricNamesIn(expr: string): string[] {
  const names = new Set<string>();
  let i = 0;
  const skipString = () => {
    const quote = expr[i]!;
    i += 1;
    while (i < expr.length && expr[i] !== quote) i += expr[i] === '\\' && quote !== '`' ? 2 : 1;
    i += 1;
  };
  /** Skips from an opening bracket to its match, strings inside included. */
  const skipGroup = (open: string, close: string) => {
    let depth = 0;
    while (i < expr.length) {
      const c = expr[i]!;
      if (c === '"' || c === "'" || c === '`') {
        skipString();
        continue;
      }
      if (c === open) depth += 1;
      if (c === close && --depth === 0) {
        i += 1;
        return;
      }
      i += 1;
    }
  };
  const nextNonSpace = (from: number) => {
    let j = from;
    while (j < expr.length && /\s/.test(expr[j]!)) j += 1;
    return j;
  };

  while (i < expr.length) {
    const c = expr[i]!;
    if (c === '"' || c === "'" || c === '`') skipString();
    else if (c === '{') skipGroup('{', '}');
    else if (c === '[') skipGroup('[', ']');
    else if (c === '#') while (i < expr.length && expr[i] !== '\n') i += 1; // a comment
    else if (/[0-9.]/.test(c)) while (i < expr.length && /[0-9a-zA-Z._]/.test(expr[i]!)) i += 1;
    else if (c === '$') {
      i += 1;
      while (i < expr.length && /[a-zA-Z0-9_]/.test(expr[i]!)) i += 1;
    } else if (/[a-zA-Z_:]/.test(c)) {
      const start = i;
      while (i < expr.length && /[a-zA-Z0-9_:]/.test(expr[i]!)) i += 1;
      const word = expr.slice(start, i);
      const after = nextNonSpace(i);
      if (LABEL_LISTS.has(word.toLowerCase())) {
        if (expr[after] === '(') {
          i = after;
          skipGroup('(', ')');
        }
      } else if (expr[after] === '(') {
        // A function or an aggregation: its arguments are read on.
      } else if (!KEYWORDS.has(word.toLowerCase()) && !AGGREGATIONS.has(word.toLowerCase())) names.add(word);
    } else i += 1;
  }
  return [...names].sort();
}
