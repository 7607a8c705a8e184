/** The returns context's HTTP entry (for api/app.ts): its routes. */
export { returnRoutes } from './routes';
export type { ReturnDeps } from './requestReturn';
