import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { openApiDocument } from '../../api/openapi/document';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const DOCUMENT_FILE = here('./openapi.json');
export const TYPES_FILE = here('./src/schema.d.ts');
export const STATUSES_FILE = here('./src/terminalStatuses.ts');

/**
 * The client's generated files, from the API's own document: `openapi.json` (the contract, as
 * GET /openapi.json serves it), `src/schema.d.ts` (its types, by openapi-typescript) and
 * `src/terminalStatuses.ts` (the document's TerminalOrderStatus enum as a value, which types alone cannot give).
 */
export async function generateClientFiles(): Promise<{ document: string; types: string; statuses: string }> {
  const document = openApiDocument();
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0]);
  const terminal = (document.components?.schemas?.TerminalOrderStatus as { enum?: string[] } | undefined)?.enum;
  if (!terminal?.length) throw new Error('the document has no TerminalOrderStatus enum');
  const statuses = `${COMMENT_HEADER}import type { components } from './schema';

/** The statuses an order never leaves, from the document's TerminalOrderStatus enum. */
export const TERMINAL_ORDER_STATUSES: readonly components['schemas']['TerminalOrderStatus'][] = ${JSON.stringify(terminal)};
`;
  return { document: `${JSON.stringify(document, null, 2)}\n`, types: COMMENT_HEADER + astToString(ast), statuses };
}

// `npm run generate -w @hotpath/client` (or `npm run client:generate` at the root) rewrites both files.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { document, types, statuses } = await generateClientFiles();
  await writeFile(DOCUMENT_FILE, document);
  await writeFile(TYPES_FILE, types);
  await writeFile(STATUSES_FILE, statuses);
  console.log(`wrote ${DOCUMENT_FILE}, ${TYPES_FILE} and ${STATUSES_FILE}`);
}
