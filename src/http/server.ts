// The HTTP server: health, the web chat, the OpenAPI document, the admin API and the
// routes adapters bring (the API channel now; webhooks later). Built here, listened on in main.ts.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { Ajv } from 'ajv';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyPluginAsync, LogController } from 'fastify';
import type { Logger } from 'pino';
import type { Db } from '../store/index.js';
import type { DatabaseProvider } from '../store/schema-engine.js';
import { type AdminRoutesOptions, adminRoutes } from './admin.js';
import { requireBearer } from './auth.js';
import { closeConnectionsOnClose } from './closing.js';
import { allowApiChannelFrom } from './cors.js';
import { installErrorHandler } from './errors.js';
import { addDateFormats } from './formats.js';
import { clientErrorHandler, frameworkErrors, MAX_PARAM_LENGTH } from './framework-errors.js';
import { type HealthOptions, healthRoutes } from './health.js';
import { logRequests } from './request-log.js';
import { docsPolicy, securityHeaders } from './security-headers.js';
import { refuseUnstorableText } from './text-guard.js';

export const BODY_LIMIT = 64 * 1024;

/** Admin routes of one part of the app (a feature, the jobs, a channel), named for the route list. */
export interface AdminPlugin {
  name: string;
  plugin: FastifyPluginAsync;
}

export interface ServerOptions {
  logger: Logger;
  db: Db;
  /** Store.reads: where admin lists and searches read. */
  reads: Db;
  provider: DatabaseProvider;
  /** /healthz, /readyz and /metrics. */
  health: HealthOptions;
  adminToken: string;
  /** Route plugins of the channel adapters, registered as they are. */
  channelRoutes: FastifyPluginAsync[];
  /** The staff console (/console): its own sign-in, so not behind the admin token. */
  consoleRoutes?: FastifyPluginAsync;
  /** Route plugins of features (and jobs, channels), registered behind the admin token. */
  adminRoutes: AdminPlugin[];
  /** Told of each admin route a plugin added ("POST /api/v1/…"), with the plugin's name. */
  onAdminRoute?: (name: string, route: string) => void;
  profileExtras?: (customerId: string) => Promise<Record<string, unknown>>;
  /** A saved segment as a condition on the customer row (GET /api/v1/customers?segment=). */
  segmentWhere?: AdminRoutesOptions['segmentWhere'];
  version: string;
  /** widget.allowedOrigins: sites whose pages may call the API channel from the browser (CORS). */
  apiChannelOrigins?: readonly string[];
  /** TRUST_PROXY: which proxies' X-Forwarded-For sets request.ip (per-IP limits need the client's). */
  trustProxy?: boolean | number | string[];
}

export async function buildServer(o: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: o.logger as FastifyBaseLogger,
    // Fastify's request lines carry the URL with its query string: ./request-log.ts logs instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // While closing, ./closing.ts answers 503 in the documented shape and ends every connection.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Fastify's and Node's own errors (bad URL encoding, long path parameters, oversized headers,
    // malformed HTTP) answer in the documented error shape too.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
    // Fastify takes a hop count too (documented), though its types leave numbers out.
    trustProxy: (o.trustProxy ?? false) as boolean | string[],
  });

  // Bodies are checked as sent ("5" is not a number); query strings are text, so they are coerced.
  const bodyAjv = new Ajv({ coerceTypes: false, useDefaults: true, strict: false, allErrors: false });
  const queryAjv = new Ajv({ coerceTypes: true, useDefaults: true, strict: false, removeAdditional: false });
  addDateFormats(bodyAjv);
  addDateFormats(queryAjv);
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? bodyAjv : queryAjv).compile(schema));
  installErrorHandler(app);
  closeConnectionsOnClose(app);
  await securityHeaders(app);
  logRequests(app);
  allowApiChannelFrom(app, o.apiChannelOrigins ?? []);
  // The API speaks JSON only; other bodies get 415 instead of a confusing schema error.
  app.removeContentTypeParser('text/plain');

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rapport API',
        version: o.version,
        description: 'The API channel (websites and apps chat with the bot) and the admin API of Rapport.',
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
          apiChannelKey: { type: 'http', scheme: 'bearer', description: 'API_CHANNEL_KEY, when set' },
          apiSession: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/v1/sessions' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'METRICS_TOKEN, when set' },
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: true, transformStaticCSP: docsPolicy });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, o.health);

  for (const plugin of o.channelRoutes) await app.register(plugin);
  if (o.consoleRoutes) await app.register(o.consoleRoutes);
  await app.register(async (admin) => {
    admin.addHook('onRequest', requireBearer(o.adminToken, 'admin token'));
    admin.addHook('preValidation', refuseUnstorableText);
    await admin.register(adminRoutes, {
      db: o.db,
      reads: o.reads,
      provider: o.provider,
      ...(o.profileExtras ? { profileExtras: o.profileExtras } : {}),
      ...(o.segmentWhere ? { segmentWhere: o.segmentWhere } : {}),
    });
    for (const { name, plugin } of o.adminRoutes) {
      await admin.register(async (scope) => {
        scope.addHook('onRoute', (route) => {
          for (const method of [route.method].flat())
            if (method !== 'HEAD') o.onAdminRoute?.(name, `${method} ${route.url}`);
        });
        await scope.register(plugin);
      });
    }
  });
  return app;
}
