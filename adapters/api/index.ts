export { ApiAdapter, type ApiAdapterConfig } from './adapter.js';
export type { MeView } from './me-routes.js';
export { API_CHANNEL, toInbound } from './parse.js';
export { type ApiRoutesOptions, apiRoutes } from './routes.js';

import { ApiAdapter, type ApiAdapterConfig } from './adapter.js';

export function createApiAdapter(config: ApiAdapterConfig = {}): ApiAdapter {
  return new ApiAdapter(config);
}
