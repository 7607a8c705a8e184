import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER } from 'openapi-typescript';
import { openApiDocument } from '../../api/openapi/document';

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
export const DOCUMENT_FILE = here('./openapi.json');
export const TYPES_FILE = here('./src/schema.d.ts');

/**
 * The client's two generated files, from the API's own document: `openapi.json` (the contract, as
 * GET /openapi.json serves it) and `src/schema.d.ts` (its types, by openapi-typescript).
 */
export async function generateClientFiles(): Promise<{ document: string; types: string }> {
  const document = openApiDocument();
  const ast = await openapiTS(document as Parameters<typeof openapiTS>[0]);
  return { document: `${JSON.stringify(document, null, 2)}\n`, types: COMMENT_HEADER + astToString(ast) };
}

// `npm run generate -w @hotpath/client` (or `npm run client:generate` at the root) rewrites both files.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { document, types } = await generateClientFiles();
  await writeFile(DOCUMENT_FILE, document);
  await writeFile(TYPES_FILE, types);
  console.log(`wrote ${DOCUMENT_FILE} and ${TYPES_FILE}`);
}
