// Security headers on the web chat, the API docs and the API, through the real app.
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

describeOnEachDatabase('security headers', (database) => {
  let app: App;
  beforeAll(async () => {
    app = await testApp(database().url);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('the web chat: scripts and styles from this server only, nothing inline, framing by itself only', async () => {
    const res = await app.server.inject('/');
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = directives(res.headers['content-security-policy']);
    expect(csp['frame-ancestors']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['connect-src']).toEqual(["'self'"]);
    expect(csp['script-src']).toEqual(["'self'"]);
    expect(csp['style-src']).toEqual(["'self'"]);
    expect(csp['upgrade-insecure-requests']).toBeUndefined();
    expect(JSON.stringify(csp)).not.toContain('unsafe-inline');

    // The page is the widget's chat, full page: its script and stylesheet come by src from here.
    const page = res.body;
    expect(page).toContain('<script src="/widget/frame.js" defer></script>');
    expect(page).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(page).not.toMatch(/<style>|\sstyle="/);
    expect(page).not.toMatch(/\son[a-z]+="/);
    expect(page).not.toMatch(/javascript:/);
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
