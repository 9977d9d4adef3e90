// The widget's files as served: the loader carries the business's settings and may be loaded by
// any site; the frame may be framed only by the allowed sites (or any, when none are listed);
// bad settings stop the start with the setting named.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { parseBusinessConfig } from '../../src/config.js';
import { testApp } from '../helpers/app.js';
import { sqliteDatabase } from '../helpers/databases.js';

describe('widget routes', () => {
  const database = sqliteDatabase();
  const other = sqliteDatabase();
  let app: App;
  let open: App;

  beforeAll(async () => {
    app = await testApp(database.url, {
      yaml: 'business:\n  name: {zh-CN: 阳光面包, en: Sunny Bakery}\nwidget:\n  colour: "#aa3300"\n  position: left\n  allowedOrigins: ["https://shop.example", "http://localhost:8080"]\n',
    });
    open = await testApp(other.url);
  });
  afterAll(async () => {
    await open?.stop();
    await app?.stop();
    await database.drop();
    await other.drop();
  });

  it('serves the loader with the settings written in, loadable from other sites', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/widget.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('javascript');
    expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
    expect(res.body).toContain('"colour":"#aa3300"');
    expect(res.body).toContain('"position":"left"');
    expect(res.body).toContain('Sunny Bakery');
    expect(res.body).not.toContain('/*CONFIG*/');
  });

  it('lets only the allowed sites frame the chat, in the visitor’s language, with no inline script', async () => {
    const res = await app.server.inject({ method: 'GET', url: '/widget/frame?locale=en' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-frame-options']).toBeUndefined();
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'self' https://shop.example http://localhost:8080");
    expect(csp).toContain("script-src 'self'");
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain('<title>Sunny Bakery</title>');
    expect(res.body).not.toMatch(/<script>[^<]/);
    const zh = await app.server.inject({ method: 'GET', url: '/widget/frame?locale=<script>' });
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('阳光面包');
    const any = await open.server.inject({ method: 'GET', url: '/widget/frame' });
    expect(String(any.headers['content-security-policy'])).toContain('frame-ancestors *');
  });

  it('lets the allowed sites call the visitor routes from the browser (CORS), and no one else, nor the admin API', async () => {
    const preflight = await app.server.inject({
      method: 'OPTIONS',
      url: '/api/v1/messages',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(String(preflight.headers['access-control-allow-headers'])).toContain('authorization');
    const session = await app.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { origin: 'https://shop.example' },
    });
    expect(session.statusCode).toBe(200);
    expect(session.headers['access-control-allow-origin']).toBe('https://shop.example');
    expect(session.headers.vary).toContain('Origin');
    const stranger = await app.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { origin: 'https://evil.example' },
    });
    expect(stranger.headers['access-control-allow-origin']).toBeUndefined();
    const adminApi = await app.server.inject({
      method: 'GET',
      url: '/api/v1/customers',
      headers: { origin: 'https://shop.example' },
    });
    expect(adminApi.headers['access-control-allow-origin']).toBeUndefined();
    const noList = await open.server.inject({
      method: 'POST',
      url: '/api/v1/sessions',
      headers: { origin: 'https://shop.example' },
    });
    expect(noList.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses bad settings, naming them', () => {
    expect(() => parseBusinessConfig('widget:\n  colour: red\n', 'x.yaml')).toThrow(/widget\.colour/);
    expect(() => parseBusinessConfig('widget:\n  allowedOrigins: ["https://shop.example/path"]\n', 'x.yaml')).toThrow(
      /widget\.allowedOrigins/,
    );
    expect(() => parseBusinessConfig('widget:\n  position: top\n', 'x.yaml')).toThrow(/widget\.position/);
  });
});
