// Security headers (@fastify/helmet) on every response, with a Content-Security-Policy that the
// pages work under: scripts and styles from this server only, no inline ones, no framing by other
// sites (the widget's frame sets its own, src/widget), no referrer sent elsewhere. Swagger UI
// (/api/docs) brings its own policy.
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

const directives = {
  defaultSrc: ["'self'"],
  baseUri: ["'self'"],
  connectSrc: ["'self'"],
  fontSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'self'"],
  imgSrc: ["'self'", 'data:'],
  objectSrc: ["'none'"],
  scriptSrc: ["'self'"],
  scriptSrcAttr: ["'none'"],
  styleSrc: ["'self'"],
};

export async function securityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    // upgrade-insecure-requests (a helmet default) would break pages served over plain http://.
    contentSecurityPolicy: { useDefaults: false, directives },
    // HSTS belongs to whoever terminates TLS (the reverse proxy); see "Operating Rapport".
    strictTransportSecurity: false,
    frameguard: { action: 'sameorigin' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/**
 * Swagger UI (/api/docs) brings its own policy (staticCSP: true); this keeps it over plain http://
 * (no upgrade-insecure-requests) and from any https: origin (its styles and fonts are served here).
 */
export function docsPolicy(header: string): string {
  return header.replace(/\s*upgrade-insecure-requests;?/, '').replaceAll(' https:', '');
}
