import { describe, expect, it } from 'vitest';
import { metricNamesIn } from '../support/promqlNames';

/** The tokenizer the alert-rule test reads metric names with (test/support/promqlNames.ts). Pure. */
describe('metric names in a PromQL expression', () => {
  it('takes names before {, [ and operators, and bare names', () => {
    expect(metricNamesIn('max(hotpath_orders_parked) > 0')).toEqual(['hotpath_orders_parked']);
    expect(metricNamesIn('rate(a_total{outcome="failed"}[5m]) / b')).toEqual(['a_total', 'b']);
    expect(metricNamesIn('a and on (instance) b unless c or d')).toEqual(['a', 'b', 'c', 'd']);
    expect(metricNamesIn('a offset 1h == bool b')).toEqual(['a', 'b']);
  });

  it('skips functions, aggregations, label lists, label values, durations, numbers and Grafana variables', () => {
    expect(
      metricNamesIn('histogram_quantile(0.99, sum by (le, route) (rate(x_bucket{route="/orders", le=~"0.5|inf"}[$__rate_interval]))) > 0.25'),
    ).toEqual(['x_bucket']);
    expect(metricNamesIn('sum(rate(x[5m])) without (pod) * on (instance) group_left (version) y')).toEqual(['x', 'y']);
    expect(metricNamesIn('scalar(max(t)) + 1e3 - 0x1f + time()')).toEqual(['t']);
    expect(metricNamesIn('absent(z{job="$job"})')).toEqual(['z']);
    expect(metricNamesIn('x[1h30m:5m]')).toEqual(['x']);
    expect(metricNamesIn('label_replace(x, "dst", "$1", "src", "(.*)")')).toEqual(['x']);
  });
});
