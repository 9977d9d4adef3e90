// Security headers on the web chat, the API docs and the API, through the real app.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';

/** "script-src 'self' 'sha256-…'; …" → { 'script-src': ["'self'", "'sha256-…'"], … } */
function directives(header: string | string[] | number | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const part of String(header ?? '').split(';')) {
    const [name, ...values] = part.trim().split(/\s+/);
    if (name) out[name] = values;
  }
  return out;
}

const hash = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

describeOnEachDatabase('security headers', (database) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('the web chat: its own inline script and styles admitted by hash, nothing else inline, framing by itself only', async () => {
    const res = await app.server.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = directives(res.headers['content-security-policy']);
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    expect(JSON.stringify(csp)).not.toContain('unsafe-inline');

    // Every inline part the page has is admitted; inline handlers (blocked by script-src-attr) are absent.
    const page = res.body;
    const scripts = [...page.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1] as string);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) expect(csp['script-src']).toContain(hash(script));
    for (const m of page.matchAll(/<style>([\s\S]*?)<\/style>/g))
      expect(csp['style-src']).toContain(hash(m[1] as string));
    for (const m of page.matchAll(/\sstyle="([^"]*)"/g)) expect(csp['style-src']).toContain(hash(m[1] as string));
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*\s[a-z-]+=[^>]*>/); // no inline script with attributes we did not hash
    expect(page).not.toMatch(/\son[a-z]+="/);
    expect(page).not.toMatch(/javascript:/);
    expect(csp['script-src-attr']).toEqual(["'none'"]);
  });

  it('the API docs (Swagger UI): scripts from this server, a policy that works over plain http', async () => {
    const index = await app.server.inject('/api/docs/');
    expect(index.statusCode).toBe(200);
    const csp = directives(index.headers['content-security-policy']);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['script-src']?.[0]).toBe("'self'");
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    expect(JSON.stringify(csp)).not.toContain('https:');
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['x-frame-options']).toBe('SAMEORIGIN');
    // Swagger UI's page loads its scripts by src, from this server (relative paths): script-src 'self' admits them.
    const scripts = [...index.body.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\ssrc="(\.\/|\/api\/docs\/)static\//);
      expect((body as string).trim()).toBe('');
    }
    const initializer = await app.server.inject('/api/docs/static/swagger-initializer.js');
    expect(initializer.statusCode).toBe(200);
    expect(initializer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('JSON answers carry the headers too', async () => {
    const res = await app.server.inject('/healthz');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });
});
