// The staff console in real Chromium, as staff use it: sign in as an agent, a complaint sent
// through the API channel appears in the inbox without a reload, claim, reply (the customer gets
// it), note (the customer does not), resolve (the CSAT survey goes out); an owner sees reports with
// data and downloads a CSV; a wrong password is refused; a cookie is dead after sign-out.
// Every page is screenshotted at 390 px and 1280 px into artifacts/console/.
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.js';
import { admin, testApp } from '../helpers/app.js';
import { describeOnEachDatabase } from '../helpers/databases.js';
import { chromiumMissing, launchChromium, screenshots, scrollsSideways } from './browser.js';

const until = async <T>(probe: () => Promise<T | undefined | false>, what: string, ms = 15_000): Promise<T> => {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

describe.skipIf(chromiumMissing !== null)(
  `staff console in Chromium${chromiumMissing ? ` (SKIPPED: ${chromiumMissing})` : ''}`,
  () => {
    describeOnEachDatabase('console', (database, provider) => {
      let app: App;
      let base: string;
      let browser: Browser;
      const accounts: Record<'agent' | 'owner', { email: string; password: string }> = {} as never;
      const onSqlite = provider.name === 'sqlite';
      const shots = (page: Page, name: string) => (onSqlite ? screenshots(page, name) : Promise.resolve());

      beforeAll(async () => {
        app = await testApp(database().url, {
          yaml: 'loyalty:\n  rules:\n    welcome: 0\nescalation:\n  slaMinutes: 10\n',
        });
        await app.start();
        const address = await app.server.listen({ port: 0, host: '127.0.0.1' });
        base = address;
        for (const role of ['agent', 'owner'] as const) {
          const email = `${role}@bakery.example`;
          const res = await app.server.inject({
            method: 'POST',
            url: '/api/v1/staff',
            headers: admin,
            payload: { email, name: role === 'agent' ? 'Alice Agent' : 'Owen Owner', role, locale: 'en' },
          });
          expect(res.statusCode).toBe(201);
          accounts[role] = { email, password: res.json().password };
        }
        browser = await launchChromium();
      });
      afterAll(async () => {
        await browser?.close();
        await app?.stop();
      });

      const newContext = () =>
        browser.newContext({ locale: 'en-US', viewport: { width: 1280, height: 800 }, acceptDownloads: true });

      async function signIn(context: BrowserContext, role: 'agent' | 'owner'): Promise<Page> {
        const page = await context.newPage();
        await page.goto(`${base}/console/login`);
        await page.getByLabel('Email').fill(accounts[role].email);
        await page.getByLabel('Password').fill(accounts[role].password);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.waitForURL(`${base}/console`);
        return page;
      }

      const customerMessages = async (userId: string): Promise<string[]> => {
        const res = await app.server.inject({ method: 'GET', url: `/api/v1/messages?userId=${userId}` });
        return (res.json().messages as { text: string }[]).map((m) => m.text);
      };

      it('refuses a wrong password and signs an agent in', async () => {
        const context = await newContext();
        const page = await context.newPage();
        await page.goto(`${base}/console/login`);
        await shots(page, 'login');
        await page.getByLabel('Email').fill(accounts.agent.email);
        await page.getByLabel('Password').fill('not-the-password');
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect(page.getByRole('alert').textContent()).resolves.toContain('Wrong email or password');
        expect(page.url()).toContain('/console/login');
        await context.close();
      });

      it('shows a complaint live; claim, reply, note and resolve reach the customer as they should', async () => {
        const context = await newContext();
        const page = await signIn(context, 'agent');
        await expect(page.getByRole('heading', { name: 'Inbox' }).isVisible()).resolves.toBe(true);
        // Let the live connection open before the complaint arrives.
        await page.waitForTimeout(1500);
        const sent = await app.server.inject({
          method: 'POST',
          url: '/api/v1/messages',
          payload: {
            user: { id: `cust-${provider.name}`, name: 'Mia Chen' },
            text: 'The birthday cake had the wrong name on it. I want a refund!',
          },
        });
        expect(sent.statusCode).toBe(200);
        const ticketLink = page.getByRole('link', { name: /#\d+ · Mia Chen/ });
        await ticketLink.waitFor({ timeout: 15_000 });
        await shots(page, 'inbox');

        await ticketLink.click();
        await page.getByLabel('Reply').waitFor();
        await page.getByRole('button', { name: 'Claim' }).click();
        await page.getByText('Assignee: Alice Agent').first().waitFor();

        await page.getByLabel('Reply').fill('So sorry, Mia: we are refunding you today.');
        await page.getByRole('button', { name: 'Send' }).click();
        await page.getByText('So sorry, Mia: we are refunding you today.').first().waitFor();
        await until(
          async () =>
            (await customerMessages(`cust-${provider.name}`)).includes('So sorry, Mia: we are refunding you today.'),
          "the staff reply in the customer's messages",
        );

        await page.getByLabel('Reply').fill('Refund approved by the shop manager.');
        await page.getByRole('button', { name: 'Add note' }).click();
        await page.locator('li.note', { hasText: 'Refund approved by the shop manager.' }).waitFor();
        await shots(page, 'ticket');

        await page.getByRole('button', { name: 'Resolve' }).click();
        await page.getByText('resolved', { exact: true }).first().waitFor();
        const texts = await until(async () => {
          const all = await customerMessages(`cust-${provider.name}`);
          return all.some((t) => t.includes('How satisfied were you')) && all;
        }, 'the CSAT survey');
        expect(texts.some((t) => t.includes('Refund approved'))).toBe(false);
        const audit = await app.store.db.staffAudit.findMany({ where: { staffName: 'Alice Agent' } });
        expect(audit.map((a) => a.action)).toEqual(
          expect.arrayContaining(['login', 'ticket.claim', 'ticket.reply', 'ticket.note', 'ticket.resolve']),
        );

        if (onSqlite) {
          await page.getByRole('link', { name: 'Customers' }).click();
          await page.getByRole('link', { name: 'Mia Chen' }).click();
          await page.getByRole('heading', { name: 'Timeline' }).waitFor();
          await shots(page, 'customer');
          await page.goto(`${base}/console/customers`);
          await shots(page, 'customers');
          await page.goto(`${base}/console/knowledge`);
          await shots(page, 'knowledge');
          await page.goto(`${base}/console/moderation`);
          await shots(page, 'moderation');
          for (const path of ['/console', '/console/customers', '/console/knowledge']) {
            await page.goto(`${base}${path}`);
            expect(await scrollsSideways(page), path).toBe(false);
          }
        }
        await context.close();
      });

      it.skipIf(!onSqlite)('an owner sees reports with data, drills down and downloads a CSV', async () => {
        const context = await newContext();
        const page = await signIn(context, 'owner');
        await page.goto(`${base}/console/reports/messages`);
        await page.locator('canvas[data-chart]').first().waitFor();
        const total = await page.locator('table tbody tr td').allTextContents();
        expect(total.some((cell) => Number(cell) > 0)).toBe(true);
        await shots(page, 'reports');
        for (const name of ['tickets', 'feedback', 'faq', 'points', 'stages', 'campaigns']) {
          await page.goto(`${base}/console/reports/${name}`);
          expect(await page.locator('h1').textContent()).toBeTruthy();
          await shots(page, `report-${name}`);
        }
        await page.goto(`${base}/console/reports/tickets`);
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name: 'Download CSV' }).click(),
        ]);
        const csv = readFileSync((await download.path()) as string, 'utf8');
        expect(csv.replace(/^\uFEFF/, '').split(/\r?\n/)[0]).toContain('day');
        expect(download.suggestedFilename()).toMatch(/\.csv$/);

        // Drill-down: the records behind a day of the messages chart.
        await page.goto(`${base}/console/reports/messages`);
        const today = await page.locator('#to').inputValue();
        await page.goto(`${base}/console/reports/messages/items?day=${today}&series=api`);
        await expect(page.locator('table tbody').textContent()).resolves.toContain('wrong name on it');
        await shots(page, 'report-items');

        await page.goto(`${base}/console/campaigns`);
        await shots(page, 'campaigns');
        await page.goto(`${base}/console/staff`);
        await page.getByLabel('Shortcut').fill('thanks');
        await page.getByLabel('Text', { exact: true }).fill('Thank you for your patience!');
        await page.getByRole('button', { name: 'Save' }).click();
        await page.getByText('/thanks').waitFor();
        await shots(page, 'staff');

        // The canned-reply picker: "/" lists them, Enter puts one in the reply box.
        const ticket = await app.store.db.ticket.findFirstOrThrow({ orderBy: { id: 'desc' } });
        await page.goto(`${base}/console/tickets/${ticket.id}`);
        await page.getByLabel('Reply').pressSequentially('/than');
        await page.getByRole('option', { name: /thanks/ }).waitFor();
        await page.getByLabel('Reply').press('Enter');
        await expect(page.getByLabel('Reply').inputValue()).resolves.toBe('Thank you for your patience!');

        // The language switch: the console in Chinese from then on.
        await page.getByRole('button', { name: '中文' }).click();
        await page.goto(`${base}/console`);
        await page.getByRole('heading', { name: '收件箱' }).waitFor();
        await shots(page, 'inbox-zh');
        await context.close();
      });

      it('a session cookie cannot be used after sign-out', async () => {
        const context = await newContext();
        const page = await signIn(context, 'agent');
        const cookie = (await context.cookies()).find((c) => c.name === 'rapport_session');
        expect(cookie?.httpOnly).toBe(true);
        expect(cookie?.sameSite).toBe('Strict');
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.waitForURL(/\/console\/login/);
        const reuse = await app.server.inject({
          method: 'GET',
          url: '/console',
          headers: { cookie: `rapport_session=${cookie?.value}` },
        });
        expect(reuse.statusCode).toBe(303);
        expect(reuse.headers.location).toContain('/console/login');
        await context.close();
      });
    });
  },
);
