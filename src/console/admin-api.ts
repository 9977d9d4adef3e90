// The console is a client of the admin API: every page reads and every action goes through the
// same routes (validation, transactions, outbox) as a program holding the admin token would,
// in-process via Fastify's inject, so there is one implementation of each operation.
import type { FastifyInstance } from 'fastify';
import { AppError, type ErrorCode } from '../errors.js';

const CODES: Record<number, ErrorCode> = {
  400: 'HTTP_BAD_REQUEST',
  403: 'HTTP_FORBIDDEN',
  404: 'HTTP_NOT_FOUND',
  409: 'HTTP_CONFLICT',
  429: 'HTTP_RATE_LIMITED',
};

type Query = Record<string, string | number | boolean | undefined>;

export class AdminApi {
  constructor(
    private readonly app: FastifyInstance,
    private readonly token: string,
  ) {}

  private async call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, query?: Query) {
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== '') search.set(k, String(v));
    const qs = search.toString();
    const response = await this.app.inject({
      method,
      url: qs ? `${url}?${qs}` : url,
      headers: { authorization: `Bearer ${this.token}` },
      ...(body !== undefined ? { payload: body as object } : {}),
    });
    return response;
  }

  private async json<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown, query?: Query) {
    const response = await this.call(method, url, body, query);
    if (response.statusCode >= 400) {
      const message = (response.json() as { error?: { message?: string } }).error?.message ?? response.body;
      const code = CODES[response.statusCode];
      if (code) throw new AppError(code, message);
      throw new Error(`${method} ${url}: ${response.statusCode} ${message}`);
    }
    return (response.body ? response.json() : undefined) as T;
  }

  get<T>(url: string, query?: Query): Promise<T> {
    return this.json<T>('GET', url, undefined, query);
  }

  /** A GET whose 404 means "not there" (a feature switched off, a customer who never wrote): null. */
  async getOptional<T>(url: string, query?: Query): Promise<T | null> {
    try {
      return await this.get<T>(url, query);
    } catch (err) {
      if (err instanceof AppError && err.code === 'HTTP_NOT_FOUND') return null;
      throw err;
    }
  }

  post<T>(url: string, body: unknown = {}): Promise<T> {
    return this.json<T>('POST', url, body);
  }

  put<T>(url: string, body: unknown): Promise<T> {
    return this.json<T>('PUT', url, body);
  }

  delete<T>(url: string): Promise<T> {
    return this.json<T>('DELETE', url);
  }

  /** A GET passed through as it is (CSV downloads): status, type, headers and body. */
  async raw(url: string, query?: Query) {
    return this.call('GET', url, undefined, query);
  }
}
