import { request as httpRequest } from 'node:http';
import { apiUrl } from './stack';

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json: any;
}

/**
 * A request exactly as given: repeated headers, latin-1 header bytes and raw body bytes, which fetch would
 * refuse to send or normalise.
 */
export function rawRequest(method: string, path: string, headers: Record<string, string | string[]>, body?: Buffer | string): Promise<RawAnswer> {
  const url = new URL(`${apiUrl()}${path.startsWith('/') ? '' : '/'}`);
  const bytes = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path,
        method,
        headers: { ...(bytes ? { 'content-length': bytes.length } : {}), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const contentType = String(res.headers['content-type'] ?? '');
          let json: unknown;
          try {
            json = contentType.includes('json') ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode!, contentType, text, json });
        });
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}
