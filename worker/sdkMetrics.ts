import { DefaultLogger, Runtime } from '@temporalio/worker';
import { freePort } from '../db/embedded';
import { setSdkMetricsAddress } from '../lib/metrics';

let installed: Promise<void> | undefined;

const SDK_LEVELS = { trace: 'TRACE', debug: 'DEBUG', info: 'WARN', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' } as const;

/**
 * Installs the SDK runtime once per process: its logs from warnings up (or as LOG_LEVEL asks) and its
 * Prometheus exporter (worker slots, poll latency, schedule-to-start, sticky cache) on a loopback port,
 * which Hotpath's own /metrics appends, so one scrape sees both.
 */
export function installWorkerRuntime(logLevel: string): Promise<void> {
  installed ??= (async () => {
    const sdkMetricsAddress = `127.0.0.1:${await freePort()}`;
    Runtime.install({
      logger: new DefaultLogger(SDK_LEVELS[logLevel as keyof typeof SDK_LEVELS] ?? 'WARN'),
      telemetryOptions: { metrics: { metricPrefix: 'temporal_', prometheus: { bindAddress: sdkMetricsAddress, countersTotalSuffix: true, useSecondsForDurations: true } } },
    });
    setSdkMetricsAddress(sdkMetricsAddress);
  })();
  return installed;
}
