/**
 * Registers Hotpath's custom search attributes (OrderStatus, CustomerId, ReturnStatus, OrderId) on a real Temporal cluster.
 * The dev server gets them from `--search-attribute` at start; a self-hosted cluster needs this once:
 *   TEMPORAL_ADDRESS=temporal:7233 TEMPORAL_NAMESPACE=default npm run register-search-attributes
 * (Temporal Cloud: add them in the Cloud UI or with `tcld namespace search-attributes add`.)
 */
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { loadConfig } from '../lib/config';
import { temporalConnectionOptions } from '../lib/temporalConnection';
import { SEARCH_ATTRIBUTES } from '../lib/searchAttributes';

const config = loadConfig();
const connection = await Connection.connect(temporalConnectionOptions(config));
try {
  const existing = await connection.operatorService.listSearchAttributes({ namespace: config.TEMPORAL_NAMESPACE });
  const missing = Object.entries(SEARCH_ATTRIBUTES).filter(([name]) => !(name in (existing.customAttributes ?? {})));
  if (missing.length === 0) {
    console.log(`search attributes already registered on ${config.TEMPORAL_NAMESPACE}: ${Object.keys(SEARCH_ATTRIBUTES).join(', ')}`);
  } else {
    await connection.operatorService.addSearchAttributes({
      namespace: config.TEMPORAL_NAMESPACE,
      searchAttributes: Object.fromEntries(missing.map(([name]) => [name, proto.temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD])),
    });
    console.log(`registered ${missing.map(([n]) => n).join(', ')} on ${config.TEMPORAL_NAMESPACE}`);
  }
} finally {
  await connection.close();
}
