// Browser end-to-end check of the shared terminal against a running Ensemble server (with a
// working sandbox): an owner opens the project's terminal and types into it; a viewer invited to
// the project watches the same output live but cannot type; the owner's `exit` ends it for both.
//
//   ENSEMBLE_BASE_URL              server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_SCREENSHOT_TERMINAL   where to save a 1280x800 screenshot of the owner's terminal
//                                  (default test-results/terminal.png relative to web/)
//   CHROMIUM_PATH                  browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/terminal.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, newPerson, serverAnswers, signUp, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT_TERMINAL
  ? resolve(process.env.ENSEMBLE_SCREENSHOT_TERMINAL)
  : resolve(webDir, 'test-results/terminal.png');
const failureDir = resolve(webDir, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 240_000;
const PASSWORD = 'correct-horse-battery';

const suffix = randomBytes(4).toString('hex');
const owner = { username: `tess_${suffix}`, displayName: 'Tess Typist' };
const viewer = { username: `wade_${suffix}`, displayName: 'Wade Watcher' };
const projectName = `Shell ${suffix}`;

const step = stepRunner(STEP_TIMEOUT_MS);

const serverIsUp = () => serverAnswers(baseUrl, STEP_TIMEOUT_MS);

/** The text the terminal on `page` shows, row by row. */
async function screenText(page) {
  return page.locator('.shared-terminal-screen .xterm-rows').first().innerText();
}

/** Waits until a whole row of the terminal on `page` reads `row`. */
async function waitForRow(page, row) {
  const deadline = Date.now() + STEP_TIMEOUT_MS - 1_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await screenText(page).catch(() => '');
    if (seen.split('\n').some((line) => line.replace(/\u00a0/g, ' ').trim() === row)) return seen;
    await page.waitForTimeout(100);
  }
  throw new Error(
    `the terminal never showed the row ${JSON.stringify(row)}; it shows ${JSON.stringify(seen)}`,
  );
}

async function openTerminalTab(page) {
  await page.getByRole('link', { name: 'Code', exact: true }).click();
  await page.getByRole('tab', { name: 'Terminal', exact: true }).click();
}

async function scenario(browser, people) {
  const a = await newPerson(browser, 'owner', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(a);
  const b = await newPerson(browser, 'viewer', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(b);

  await step(`owner signs up as ${owner.username} and creates "${projectName}"`, async () => {
    await signUp(a.page, owner, PASSWORD);
    await a.page.getByLabel('Project name').fill(projectName);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
  });

  const inviteUrl = await step('owner creates a viewer invite link', async () => {
    await a.page.getByRole('link', { name: 'Members', exact: true }).click();
    await a.page.getByRole('heading', { level: 1, name: 'Members', exact: true }).waitFor();
    await a.page.getByLabel('Invite role').selectOption('viewer');
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    return a.page.getByRole('textbox', { name: 'New invite link', exact: true }).inputValue();
  });

  await step(
    `viewer signs up as ${viewer.username}, joins and opens the Terminal tab`,
    async () => {
      await signUp(b.page, viewer, PASSWORD);
      const invite = new URL(inviteUrl);
      await b.page.goto(invite.pathname + invite.search);
      await b.page.getByRole('button', { name: 'Join project' }).click();
      await b.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
      await openTerminalTab(b.page);
      await b.page.getByText('No terminal is open.').waitFor();
      assert.equal(await b.page.getByRole('button', { name: 'Open terminal' }).count(), 0);
    },
  );

  await step('owner opens the terminal and types a command', async () => {
    await openTerminalTab(a.page);
    await a.page.getByRole('button', { name: 'Open terminal' }).click();
    await a.page.getByText(`Running, opened by ${owner.username}`).waitFor();
    await a.page.locator('.shared-terminal-screen').click();
    await a.page.keyboard.type('echo $((6*7))', { delay: 15 });
    await a.page.keyboard.press('Enter');
    await waitForRow(a.page, '42');
  });

  await step('the viewer sees the same output, read-only', async () => {
    await b.page.getByText(`Running, opened by ${owner.username}`).waitFor();
    await waitForRow(b.page, '42');
    await b.page.getByText('read-only', { exact: true }).waitFor();
    await b.page.locator('.shared-terminal-screen').click();
    await b.page.keyboard.type('echo viewer-typed', { delay: 15 });
    await b.page.keyboard.press('Enter');
    await a.page.keyboard.type('echo owner-$((1+1))', { delay: 15 });
    await a.page.keyboard.press('Enter');
    const seen = await waitForRow(b.page, 'owner-2');
    assert.ok(!seen.includes('viewer-typed'), `the viewer's typing reached the shell: ${seen}`);
  });

  await step(`the owner's terminal is saved as a screenshot`, async () => {
    await mkdir(dirname(screenshotPath), { recursive: true });
    await a.page.screenshot({ path: screenshotPath });
    console.log(`       ${screenshotPath}`);
  });

  await step("the owner's exit ends the terminal for both", async () => {
    await a.page.keyboard.type('exit', { delay: 15 });
    await a.page.keyboard.press('Enter');
    await a.page.getByText(`Ended: exited with 0 (opened by ${owner.username})`).waitFor();
    await b.page.getByText(`Ended: exited with 0 (opened by ${owner.username})`).waitFor();
    await a.page.getByRole('button', { name: 'Open terminal' }).waitFor();
  });
}

async function saveFailureScreens(people) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const { page, label } of people) {
    const path = resolve(failureDir, `terminal-failure-${label}.png`);
    await page
      .screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of ${label}'s page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`terminal e2e against ${baseUrl}`);
  let browser;
  const people = [];
  const watchdog = setTimeout(() => {
    console.log(`\nFAILED: the whole test took longer than ${TOTAL_TIMEOUT_MS} ms`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  try {
    await step('server answers', serverIsUp);
    browser = await step('browser starts', () => launchChromium(chromiumPath));
    await scenario(browser, people);
    console.log('1 passed, 0 failed');
    return 0;
  } catch (error) {
    console.log(`\nFAILED: ${error instanceof Error ? error.message : String(error)}`);
    await saveFailureScreens(people);
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    clearTimeout(watchdog);
    await browser?.close().catch(() => undefined);
  }
}

process.exitCode = await main();
