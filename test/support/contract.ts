import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../api/openapi/document';

/**
 * Checks real answers against the OpenAPI document: the e2e helpers and the typed client's fetch run every
 * response through `expectDocumentedResponse`, so an answer the contract does not describe fails the test.
 */
const document = openApiDocument() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(document, 'openapi.json');

const escapePointer = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
}));
const validators = new Map<string, ValidateFunction>();

export function documentedPath(pathname: string): string | undefined {
  return templates.find((t) => t.pattern.test(pathname))?.template;
}

export function responseProblems(method: string, url: string, status: number, contentType: string, body: unknown): string | undefined {
  const pathname = new URL(url, 'http://x').pathname;
  const template = documentedPath(pathname);
  if (!template) return undefined; // an unknown route: its 404 is checked by the tests that send it
  const operation = document.paths[template]![method.toLowerCase()];
  if (!operation) return undefined; // a method the route does not have (405-like 404s)
  const response = operation.responses[String(status)];
  if (!response) return `${method} ${template} answered ${status}, which the document does not list`;
  if (!response.content) return undefined;
  const mediaType = contentType.split(';')[0]!.trim();
  if (!response.content[mediaType]) return `${method} ${template} ${status} answered ${mediaType}, the document says ${Object.keys(response.content).join(' or ')}`;
  if (mediaType === 'text/html') return undefined;
  const pointer = `openapi.json#/paths/${escapePointer(template)}/${method.toLowerCase()}/responses/${status}/content/${escapePointer(mediaType)}/schema`;
  let validate = validators.get(pointer);
  if (!validate) {
    validate = ajv.getSchema(pointer);
    if (!validate) return `no schema at ${pointer}`;
    validators.set(pointer, validate);
  }
  if (validate(body)) return undefined;
  return `${method} ${template} ${status} does not match its schema: ${ajv.errorsText(validate.errors)} in ${JSON.stringify(body).slice(0, 500)}`;
}

export function expectDocumentedResponse(method: string, url: string, status: number, contentType: string, body: unknown): void {
  const problem = responseProblems(method, url, status, contentType, body);
  if (problem) throw new Error(`contract: ${problem}`);
}

/** A fetch that checks every JSON answer against the document (for the typed client in tests). */
export const contractFetch = async (input: Request): Promise<Response> => {
  const res = await fetch(input);
  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.includes('json')) {
    const text = await res.clone().text();
    expectDocumentedResponse(input.method, input.url, res.status, contentType, text ? JSON.parse(text) : undefined);
  } else {
    expectDocumentedResponse(input.method, input.url, res.status, contentType, undefined);
  }
  return res;
};
