// Security headers (@fastify/helmet) on every response, with a Content-Security-Policy that the
// web chat and Swagger UI (/api/docs) work under: scripts and styles from this server only, inline
// ones admitted by their hash, no framing by other sites, no referrer sent elsewhere.
import { createHash } from 'node:crypto';
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

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/**
 * The policy for an HTML page with inline <script>, <style> and style="…": each admitted by its
 * hash, computed from the page itself so that edits to it need no edits here.
 */
export function pagePolicy(html: string): string {
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => sha256(m[1] as string));
  const styles = [...html.matchAll(/<style>([\s\S]*?)<\/style>/g)].map((m) => sha256(m[1] as string));
  const attributes = [...new Set([...html.matchAll(/\sstyle="([^"]*)"/g)].map((m) => m[1] as string))].map(sha256);
  const policy: Record<string, string[]> = {
    ...directives,
    scriptSrc: ["'self'", ...scripts],
    styleSrc: ["'self'", ...styles, ...(attributes.length ? ["'unsafe-hashes'", ...attributes] : [])],
  };
  return Object.entries(policy)
    .map(([name, values]) => `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`)
    .join(';');
}

/**
 * Swagger UI (/api/docs) brings its own policy (staticCSP: true); this keeps it over plain http://
 * (no upgrade-insecure-requests) and from any https: origin (its styles and fonts are served here).
 */
export function docsPolicy(header: string): string {
  return header.replace(/\s*upgrade-insecure-requests;?/, '').replaceAll(' https:', '');
}
