// One error handler for every route: a stable {"error":{"code","message"}} body, never a stack trace.
import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';
import { codeForStatus, formatMessage, trackRouteMethods } from './framework-errors.js';

const statusOf: Partial<Record<ErrorCode, number>> = {
  HTTP_BAD_REQUEST: 400,
  HTTP_UNAUTHORIZED: 401,
  HTTP_FORBIDDEN: 403,
  HTTP_RATE_LIMITED: 429,
  HTTP_NOT_FOUND: 404,
  HTTP_CONFLICT: 409,
  POINTS_INSUFFICIENT: 409,
  POINTS_LIMIT: 400,
  REDEMPTION_USED: 409,
  REDEMPTION_CANCELLED: 409,
  REDEEM_REFUSED: 409,
  OPTED_OUT: 409,
  UNREACHABLE: 409,
  ENGINE_INVALID_TEXT: 400,
};

/** The HTTP status an error code answers with (500 for codes that are not the caller's fault). */
export function statusOfCode(code: ErrorCode): number {
  return statusOf[code] ?? 500;
}

export function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
    if (err instanceof AppError) {
      const status = statusOfCode(err.code);
      return reply.status(status).send(errorBody(err.code.replace(/^(HTTP|ENGINE)_/, ''), err.message));
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const where = fe.validationContext ?? 'request';
      const message =
        formatMessage(where, fe.validation) ??
        `${where}: ${fe.message.replace(/^(body|querystring|params)\/?\s*/, '')}`;
      return reply.status(400).send(errorBody('BAD_REQUEST', message));
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send(errorBody('PAYLOAD_TOO_LARGE', 'request body is larger than 64 KiB'));
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send(errorBody('INVALID_JSON', 'request body is not valid JSON'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send(errorBody('UNSUPPORTED_MEDIA_TYPE', 'send Content-Type: application/json'));
    }
    if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
      return reply.status(fe.statusCode).send(errorBody(codeForStatus(fe.statusCode), fe.message));
    }
    request.log.error({ err }, 'request failed');
    return reply.status(500).send(errorBody('INTERNAL', 'something went wrong on our side; please try again'));
  });
  const methodsFor = trackRouteMethods(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    const allowed = methodsFor(path);
    if (allowed.length && !allowed.includes(request.method)) {
      reply.header('allow', allowed.join(', '));
      reply
        .status(405)
        .send(errorBody('METHOD_NOT_ALLOWED', `${path} takes ${allowed.join(', ')}, not ${request.method}`));
      return;
    }
    reply.status(404).send(errorBody('NOT_FOUND', `no route ${request.method} ${path}`));
  });
}
