import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type RequestHandler } from 'express';
import { openApiDocument } from './document';

const staticDir = fileURLToPath(new URL('./static/', import.meta.url));
// Swagger UI's prebuilt assets ship in the npm package: served from here, never from a CDN.
const swaggerUiDir = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));

/** The reference's scripts and styles come from this origin only; Swagger UI's icons are data: images. */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

const docsHeaders: RequestHandler = (_req, res, next) => {
  res.set({ 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-cache' });
  next();
};

/** GET /openapi.json (the contract) and GET /docs (an interactive reference of it). */
export function openApiRoutes(): Router {
  const router = Router();
  const document = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.set('cache-control', 'no-cache').type('application/json').send(document);
  });
  router.use('/docs', docsHeaders);
  router.get('/docs', (_req, res) => res.sendFile('index.html', { root: staticDir }));
  router.use('/docs', express.static(staticDir, { index: false, redirect: false, dotfiles: 'ignore' }));
  router.use('/docs/assets', express.static(swaggerUiDir, { index: false, redirect: false, dotfiles: 'ignore' }));
  return router;
}
