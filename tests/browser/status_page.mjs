// Drives headless Chromium (Debian's) against sheratan-serve's status page: the page
// shows the state, queues and hosts, and follows /v1/events live when another process
// makes a transition and pushes a job.
//
// usage: node status_page.mjs URL SHERATAN_BIN
// Exits 0 when every check holds; else prints what was on the page and exits 1.
import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [url, bin] = process.argv.slice(2);
const tool = (name, ...args) => execFileSync(join(bin, name), args, { stdio: ['ignore', 'ignore', 'inherit'] });
const profile = mkdtempSync(join(tmpdir(), 'sheratan-chromium-'));

// The flags keep Chromium off the network it cannot reach here (see the machine notes).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
let page;
let failed = false;
const step = async (what, check) => {
  try {
    await check();
    console.log('ok - ' + what);
  } catch (problem) {
    failed = true;
    console.log('not ok - ' + what + ': ' + problem.message.split('\n')[0]);
  }
};
try {
  page = await browser.newPage();
  const problems = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  const timeout = 30_000;  // a deadline for each step, generous for a loaded CI machine
  await step('the page shows the state', () =>
    page.locator('#state', { hasText: 'OPERATIONAL' }).waitFor({ timeout }));
  await step('the page shows the queue pushed before it loaded', () =>
    page.locator('#queues tbody tr', { hasText: 'default' }).waitFor({ timeout }));
  await step('the page shows the registered host', () =>
    page.locator('#hosts tbody tr', { hasText: 'web' }).waitFor({ timeout }));
  await step('the event stream is open', () => page.locator('#conn', { hasText: 'live' }).waitFor({ timeout }));

  tool('sheratan-state', 'set', 'PAUSED', '--reason', 'browser-check');
  await step('a transition by another process shows live', () =>
    page.locator('#state[data-status="PAUSED"]').waitFor({ timeout }));
  await step('and is listed among the recent events', () =>
    page.locator('#events li[data-type="state"]', { hasText: 'browser-check' }).waitFor({ timeout }));

  tool('sheratan-queue', 'push', 'second');
  await step('a job pushed by another process moves the queue figures', () =>
    page.locator('#queues tbody tr', { hasText: 'default' }).locator('td').nth(1).filter({ hasText: /^2$/ })
      .waitFor({ timeout }));
  await step('the page raised no script error', async () => {
    if (problems.length) throw new Error(problems.join('; '));
  });
  await step('no error is shown', async () => {
    const text = await page.locator('#error').textContent();
    if (text) throw new Error(text);
  });
} finally {
  if (failed && page) console.log((await page.locator('body').innerText().catch(() => '')).slice(0, 2000));
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
