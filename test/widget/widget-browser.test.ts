// The chat widget on a business's own site, in real Chromium: the site (another origin) carries
// the one <script> tag; a visitor opens the bubble, asks, reloads and finds the whole conversation;
// a staff reply through the admin API appears live with the staff member's name (and as an unread
// badge while the chat is closed); a signed identity sees its history on a second browser; an
// unsigned claim to that identity is refused; the host page's styles and the widget's leave each
// other alone. Screenshots at 360 px and 1280 px go to artifacts/widget/.
import { createHmac } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { chromiumMissing, launchChromium } from '../console/browser.js';
import { admin, testApp } from '../helpers/app.js';
import { sqliteDatabase } from '../helpers/databases.js';

// Runs in the page (the test's types have no DOM library).
declare const getComputedStyle: (element: unknown) => Record<string, string>;

const KEY = 'api-channel-key-for-widget-tests';
const SECRET = 'identity-secret-for-widget-tests-0123456789';
const SHOTS = join(import.meta.dirname, '..', '..', 'artifacts', 'widget');
const sign = (userId: string) => createHmac('sha256', SECRET).update(userId).digest('hex');

/** A business's page with hostile styles, carrying the widget's tag. */
function hostPage(rapport: string, attributes: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sunny Bakery</title>
<style>
* { color: rgb(255, 0, 0) !important; font-size: 30px !important; font-family: serif !important; }
button, iframe, div { background: lime !important; width: 10px !important; border: 5px dotted blue !important; }
</style></head>
<body><h1>Sunny Bakery</h1><p id="probe">Fresh bread every morning.</p>
<script src="${rapport}/widget.js" data-locale="en" ${attributes} async></script></body></html>`;
}

describe.skipIf(chromiumMissing !== null)(
  `chat widget in Chromium${chromiumMissing ? ` (SKIPPED: ${chromiumMissing})` : ''}`,
  () => {
    const database = sqliteDatabase();
    let app: App;
    let host: Server;
    let site = '';
    let rapport = '';
    let browser: Browser;

    beforeAll(async () => {
      host = createServer((request, response) => {
        const path = request.url ?? '/';
        const attributes = path.startsWith('/member')
          ? `data-user-id="member-42" data-user-signature="${sign('member-42')}"`
          : path.startsWith('/forged')
            ? `data-user-id="member-42" data-user-signature="${'0'.repeat(64)}"`
            : '';
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        response.end(hostPage(rapport, attributes));
      });
      await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
      // "localhost" for the site, 127.0.0.1 for Rapport: two sites, as on the web.
      site = `http://localhost:${(host.address() as AddressInfo).port}`;
      app = await testApp(database.url, {
        env: { API_CHANNEL_KEY: KEY, API_SESSION_SECRET: SECRET },
        yaml: `loyalty:\n  rules:\n    welcome: 0\nwidget:\n  colour: "#0a7d5a"\n  allowedOrigins: ["${site}"]\n`,
      });
      await app.start();
      rapport = await app.server.listen({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
      mkdirSync(SHOTS, { recursive: true });
    });
    afterAll(async () => {
      await browser?.close();
      await app?.stop();
      await new Promise((resolve) => host?.close(resolve));
      await database.drop();
    });

    const open = async (page: Page): Promise<FrameLocator> => {
      await page.getByRole('button', { name: /Chat with us/ }).click();
      const frame = page.frameLocator('iframe[title]');
      await frame.getByRole('textbox', { name: 'Message' }).waitFor();
      return frame;
    };
    const say = async (frame: FrameLocator, text: string) => {
      await frame.getByRole('textbox', { name: 'Message' }).fill(text);
      await frame.getByRole('button', { name: 'Send' }).click();
    };
    const shots = async (page: Page, name: string) => {
      for (const width of [360, 1280]) {
        await page.setViewportSize({ width, height: width === 360 ? 740 : 800 });
        await page.waitForTimeout(200);
        await page.screenshot({ path: join(SHOTS, `${name}-${width}.png`) });
      }
    };

    it('answers a question, keeps the conversation across a reload, and shows staff replies live with their name', async () => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${site}/`);
      const frame = await open(page);
      await say(frame, 'What are your opening hours?');
      // The first message gets the welcome and "did you mean": a tap answers, and the buttons are spent.
      const suggestion = frame.getByRole('button', { name: 'What are your opening hours?' });
      await suggestion.click();
      await frame.getByText(/7:30/).first().waitFor();
      expect(await suggestion.isDisabled()).toBe(true);
      await shots(page, 'answered');

      await page.reload();
      const again = await open(page);
      // Both sides come back: the visitor's own messages and the bot's.
      await again.locator('.msg.customer', { hasText: 'What are your opening hours?' }).first().waitFor();
      await again.getByText(/7:30/).first().waitFor();

      await say(again, 'I want to complain: the cake had the wrong name on it and I want a refund!');
      const ticket = await (async () => {
        for (let i = 0; i < 100; i++) {
          const list = await app.server.inject({ method: 'GET', url: '/api/v1/tickets?status=open', headers: admin });
          const found = list.json().tickets[0];
          if (found) return found as { id: number };
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('no ticket');
      })();
      const reply = await app.server.inject({
        method: 'POST',
        url: `/api/v1/tickets/${ticket.id}/messages`,
        headers: admin,
        payload: { text: 'So sorry! A new cake is on its way.', author: 'Lily' },
      });
      expect(reply.statusCode).toBe(201);
      await again.getByText('So sorry! A new cake is on its way.').waitFor({ timeout: 15_000 });
      await again.getByText(/Lily/).first().waitFor();
      // Links are clickable and safe; markup in a message is text, never HTML.
      await app.server.inject({
        method: 'POST',
        url: `/api/v1/tickets/${ticket.id}/messages`,
        headers: admin,
        payload: { text: 'Track it at https://track.example/42 <b>now</b>', author: 'Lily' },
      });
      const link = again.getByRole('link', { name: 'https://track.example/42' });
      await link.waitFor({ timeout: 15_000 });
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await again.locator('.msg b').count()).toBe(0);
      await again.getByText('<b>now</b>', { exact: false }).waitFor();
      await shots(page, 'staff-reply');

      // Closed: the next staff reply shows as an unread badge on the bubble.
      await page.getByRole('button', { name: /Close the chat/ }).click();
      await app.server.inject({
        method: 'POST',
        url: `/api/v1/tickets/${ticket.id}/messages`,
        headers: admin,
        payload: { text: 'It will be there by 3 pm.', author: 'Lily' },
      });
      await page.getByRole('button', { name: /Chat with us \(1 unread\)/ }).waitFor({ timeout: 15_000 });
      await shots(page, 'unread');
      await context.close();
    }, 90_000);

    it('leaves the host page’s styles alone and is not restyled by them', async () => {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${site}/`);
      await page.getByRole('button', { name: /Chat with us/ }).waitFor();
      const probe = await page.locator('#probe').evaluate((p) => {
        const s = getComputedStyle(p);
        return [s.color, s.fontSize, s.fontFamily];
      });
      expect(probe).toEqual(['rgb(255, 0, 0)', '30px', 'serif']);
      const bubble = await page.getByRole('button', { name: /Chat with us/ }).evaluate((b) => {
        const s = getComputedStyle(b);
        return [s.width, s.backgroundColor, s.borderStyle];
      });
      expect(bubble).toEqual(['60px', 'rgb(10, 125, 90)', 'none']);
      await context.close();
    });

    it('gives a signed identity its history on another browser, and refuses an unsigned or forged claim to it', async () => {
      const first = await browser.newContext();
      const page = await first.newPage();
      await page.goto(`${site}/member`);
      const frame = await open(page);
      await say(frame, 'Do you deliver to Pudong?');
      await frame.getByText('Do you deliver to Pudong?').waitFor();
      await first.close();

      const second = await browser.newContext();
      const other = await second.newPage();
      await other.goto(`${site}/member`);
      const restored = await open(other);
      await restored.getByText('Do you deliver to Pudong?').waitFor();
      await second.close();

      const forged = await browser.newContext();
      const intruder = await forged.newPage();
      await intruder.goto(`${site}/forged`);
      await intruder.getByRole('button', { name: /Chat with us/ }).click();
      await intruder.frameLocator('iframe[title]').getByRole('alert').filter({ hasText: 'could not verify' }).waitFor();
      expect(await intruder.frameLocator('iframe[title]').getByText('Do you deliver to Pudong?').count()).toBe(0);
      await forged.close();

      const unsigned = await app.server.inject({ method: 'GET', url: '/api/v1/messages?userId=member-42' });
      expect(unsigned.statusCode).toBe(401);
    });

    it('has a "me" panel with points, tier, rewards to redeem and the offers switch; fits a 360 px phone', async () => {
      const context = await browser.newContext({
        viewport: { width: 360, height: 740 },
        hasTouch: true,
        isMobile: true,
      });
      const page = await context.newPage();
      await page.goto(`${site}/member`);
      const frame = await open(page);
      await say(frame, 'hi');
      await frame.locator('.msg.bot').first().waitFor();
      const found = await app.server.inject({
        method: 'GET',
        url: '/api/v1/customers?channel=api&externalId=member-42',
        headers: admin,
      });
      const customerId = found.json().customers[0].id as string;
      const gift = await app.server.inject({
        method: 'POST',
        url: `/api/v1/customers/${customerId}/points`,
        headers: admin,
        payload: { delta: 500, reason: 'welcome gift', idempotencyKey: 'widget-test-gift' },
      });
      expect(gift.statusCode).toBe(200);

      const survey = await app.server.inject({
        method: 'POST',
        url: `/api/v1/customers/${customerId}/surveys`,
        headers: admin,
        payload: { kind: 'csat' },
      });
      expect(survey.statusCode).toBeLessThan(300);

      await frame.getByRole('button', { name: 'Me' }).click();
      await frame.getByText('500', { exact: true }).waitFor();
      // The survey waiting for an answer, with its rating buttons.
      await frame.getByRole('heading', { name: 'A quick question' }).waitFor();
      expect(await frame.locator('#me .choices button').count()).toBeGreaterThanOrEqual(5);
      await frame.getByRole('heading', { name: 'Rewards' }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'me-360.png') });

      // Every control is at least 44 px high and the chat never scrolls sideways.
      const small = await page
        .frames()[1]
        ?.evaluate(
          '[...document.querySelectorAll("button, textarea, input")].filter((e) => e.offsetParent && e.getBoundingClientRect().height < 44).map((e) => e.outerHTML)',
        );
      expect(small).toEqual([]);
      expect(await page.frames()[1]?.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);

      const offers = frame.getByRole('switch', { name: 'Offers and news from us' });
      expect(await offers.isChecked()).toBe(true);
      await offers.click();
      await expect
        .poll(async () => {
          const profile = await app.server.inject({
            method: 'GET',
            url: `/api/v1/customers/${customerId}`,
            headers: admin,
          });
          return profile.json().optedOut;
        })
        .toBe(true);

      // A reward card's Redeem asks in the chat to confirm; the confirmation redeems.
      await frame.locator('.card button:not([disabled])').first().click();
      await frame.getByText(/^Redeem .* for \d+ points\?/).waitFor();
      await frame
        .locator('.choices button', { hasText: /^Redeem$/ })
        .last()
        .click();
      await expect
        .poll(async () => {
          const points = await app.server.inject({
            method: 'GET',
            url: `/api/v1/customers/${customerId}/points`,
            headers: admin,
          });
          return points.json().balance as number;
        })
        .toBeLessThan(500);
      await context.close();
    });

    it('is also the web chat at "/", full page, with the conversation back after a reload', async () => {
      const context = await browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      await page.goto(`${rapport}/`);
      await page.getByRole('textbox', { name: 'Message' }).fill('Do you have WiFi?');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.locator('.msg.bot').nth(1).waitFor();
      expect(await page.getByRole('button', { name: 'Close' }).isVisible()).toBe(false);
      await page.reload();
      await page.locator('.msg.customer', { hasText: 'Do you have WiFi?' }).waitFor();
      for (const width of [360, 1280]) {
        await page.setViewportSize({ width, height: width === 360 ? 740 : 800 });
        await page.screenshot({ path: join(SHOTS, `web-chat-${width}.png`) });
      }
      await context.close();
    });
  },
);
