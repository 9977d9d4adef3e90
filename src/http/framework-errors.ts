// The errors Fastify and Node answer by themselves, before any route or error handler runs (a
// path that is not valid URL encoding, a path parameter past maxParamLength, oversized headers,
// malformed HTTP, a wrong method), in the same {"error":{"code","message"}} shape as every other.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DATE_TIME_EXAMPLE } from './formats.js';

/** Longest path parameter routed (find-my-way's default): ids and codes are far shorter. */
export const MAX_PARAM_LENGTH = 100;

const codeOfStatus: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  411: 'LENGTH_REQUIRED',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  431: 'HEADERS_TOO_LARGE',
};

/** The documented error code of an HTTP status, for errors that bring only a status. */
export function codeForStatus(status: number): string {
  return codeOfStatus[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

function body(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

/** Fastify's `frameworkErrors` option: errors of routing, before a route is chosen. */
export function frameworkErrors(err: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  switch (err.code) {
    case 'FST_ERR_BAD_URL':
      reply.status(400).send({ error: { code: 'BAD_URL', message: 'the path is not valid URL (percent) encoding' } });
      return;
    case 'FST_ERR_MAX_PARAM_LENGTH':
      reply.status(414).send({
        error: { code: 'URI_TOO_LONG', message: `a path parameter is longer than ${MAX_PARAM_LENGTH} characters` },
      });
      return;
  }
  request.log.error({ err }, 'routing failed');
  reply
    .status(500)
    .send({ error: { code: 'INTERNAL', message: 'something went wrong on our side; please try again' } });
}

const clientErrorOf: Record<string, [number, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'the request line and headers are larger than the server accepts'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'the request took too long to arrive'],
  HPE_CHUNK_EXTENSIONS_OVERFLOW: [413, 'the chunk extensions are too large'],
};

/**
 * Fastify's `clientErrorHandler` option: Node could not read the request at all (malformed
 * HTTP, oversized headers, a timeout). There is no request object; the answer goes on the socket.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, message] = clientErrorOf[err.code ?? ''] ?? [400, 'the request is not valid HTTP'];
  const text = body(codeForStatus(status), message);
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`,
    );
  }
  socket.destroy();
}

/**
 * Remembers every route's path pattern and methods, so that a request for a known path with
 * another method gets 405 with `Allow` instead of 404. Call before routes are registered.
 */
export function trackRouteMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const source = route.url
      .split('/')
      .map((part) =>
        part.startsWith(':') ? '[^/]+' : part === '*' ? '.*' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
      )
      .join('/');
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    routes.push({ pattern: new RegExp(`^${source}$`), methods: methods.map(String) });
  });
  return (path) => [...new Set(routes.filter((r) => r.pattern.test(path)).flatMap((r) => r.methods))].sort();
}

interface ValidationIssue {
  instancePath: string;
  keyword: string;
  params: Record<string, unknown>;
}

/**
 * A clearer message for the date formats than Ajv's 'must match format "date-time", must match
 * a schema in anyOf'; other validation messages stay Ajv's, which name the field already.
 */
export function formatMessage(where: string, validation: readonly ValidationIssue[]): string | undefined {
  const formats = validation.filter((v) => v.keyword === 'format').map((v) => String(v.params.format));
  if (!formats.length) return undefined;
  const field = validation[0]?.instancePath.replace(/^\//, '').replace(/\//g, '.') || where;
  const accepted = [
    ...(formats.includes('date-time') ? [`an ISO 8601 date-time with a time zone (${DATE_TIME_EXAMPLE})`] : []),
    ...(formats.includes('date') ? ['a date (2026-07-01)'] : []),
  ];
  if (!accepted.length) return undefined;
  return `${where}: ${field} must be ${accepted.join(' or ')}`;
}
