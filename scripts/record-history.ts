/**
 * Saves a finished workflow's history as a replay fixture (the determinism guard):
 *   npm run record-history -- order-ord_… test/fixtures/histories/<name>.json
 * against TEMPORAL_ADDRESS (npm start's dev server by default). The history is stored as Temporal holds
 * it (payloads encrypted when PAYLOAD_KEYS is set); the replay test decodes with the test key, so record
 * fixtures from a stack that runs with the test key or without encryption.
 */
import { writeFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { loadConfig } from '../lib/config';
import { temporalConnectionOptions } from '../lib/temporalConnection';

const [workflowId, file] = process.argv.slice(2);
if (!workflowId || !file) {
  console.error('usage: npm run record-history -- <workflowId> <file.json>');
  process.exit(2);
}
const config = loadConfig();
const connection = await Connection.connect(temporalConnectionOptions(config));
try {
  const history = await new Client({ connection, namespace: config.TEMPORAL_NAMESPACE }).workflow.getHandle(workflowId).fetchHistory();
  await writeFile(file, historyToJSON(history));
  console.log(`wrote ${history.events?.length ?? 0} events of ${workflowId} to ${file}`);
} finally {
  await connection.close();
}
