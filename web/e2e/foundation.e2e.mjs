// Browser end-to-end check of the platform foundation against a running Ensemble server:
// two people in two browser contexts sign up, one invites the other by link, the other joins.
//
//   ENSEMBLE_BASE_URL    server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_SCREENSHOT  where to save a 1280x800 screenshot (default ../docs/screenshot.png
//                        relative to web/)
//   CHROMIUM_PATH        browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/foundation.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, newPerson, serverAnswers, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT
  ? resolve(process.env.ENSEMBLE_SCREENSHOT)
  : resolve(webDir, '../docs/screenshot.png');
const failureDir = resolve(webDir, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 15_000;
const TOTAL_TIMEOUT_MS = 180_000;
const PASSWORD = 'correct-horse-battery';

const suffix = randomBytes(4).toString('hex');
const alice = { username: `alice_${suffix}`, displayName: 'Alice Archer' };
const bob = { username: `bob_${suffix}`, displayName: 'Bob Baker' };
const projectName = `Orbital ${suffix}`;

const step = stepRunner(STEP_TIMEOUT_MS);

const serverIsUp = () => serverAnswers(baseUrl, STEP_TIMEOUT_MS);

async function signUp(page, person) {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Display name (optional)').fill(person.displayName);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Projects', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/projects');
}

function memberRow(page, username) {
  return page
    .getByRole('list', { name: 'Members' })
    .getByRole('listitem')
    .filter({ hasText: `@${username}` });
}

async function scenario(browser, people) {
  const a = await newPerson(browser, 'A', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(a);
  const b = await newPerson(browser, 'B', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(b);

  await step(`A signs up as ${alice.username}`, () => signUp(a.page, alice));

  const projectPath = await step(`A creates project "${projectName}"`, async () => {
    await a.page.getByLabel('Project name').fill(projectName);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    const path = new URL(a.page.url()).pathname;
    assert.match(path, /^\/projects\/[^/]+$/, `after creating, A is at ${path}`);
    return path;
  });

  const inviteUrl = await step('A creates an editor invite link on the members page', async () => {
    await a.page.getByRole('link', { name: 'Members', exact: true }).click();
    await a.page.getByRole('heading', { level: 1, name: 'Members', exact: true }).waitFor();
    assert.equal(new URL(a.page.url()).pathname, `${projectPath}/members`);
    await a.page.getByLabel('Invite role').selectOption('editor');
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    const url = await a.page
      .getByRole('textbox', { name: 'New invite link', exact: true })
      .inputValue();
    assert.match(url, /\/invite\/[^/]+$/, `invite URL looks wrong: ${url}`);
    return url;
  });

  await step(`B signs up as ${bob.username}`, () => signUp(b.page, bob));

  await step('B opens the invite link, joins and sees the project', async () => {
    // The server builds the URL from its public base, which may not be the address under
    // test; the path is what identifies the invite.
    const invite = new URL(inviteUrl);
    await b.page.goto(invite.pathname + invite.search);
    await b.page.getByRole('heading', { level: 1, name: `Join ${projectName}` }).waitFor();
    const offer = await b.page.locator('main').innerText();
    assert.match(offer, /your role\s*editor/i, 'the invite page should offer the editor role');
    await b.page.getByRole('button', { name: 'Join project' }).click();
    await b.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    assert.equal(new URL(b.page.url()).pathname, projectPath);
    const details = await b.page.locator('main').innerText();
    assert.match(details, /your role\s*editor/i, 'B should be an editor of the project');
  });

  await step('A reloads the members page and sees both members with their roles', async () => {
    await a.page.reload();
    await a.page.getByRole('list', { name: 'Members' }).waitFor();
    await memberRow(a.page, bob.username).waitFor();
    assert.equal(
      await a.page.getByRole('list', { name: 'Members' }).getByRole('listitem').count(),
      2,
    );
    assert.equal(
      await memberRow(a.page, alice.username).getByRole('combobox').inputValue(),
      'owner',
    );
    assert.equal(
      await memberRow(a.page, bob.username).getByRole('combobox').inputValue(),
      'editor',
    );
  });

  await step(`A's members page is saved as a screenshot`, async () => {
    await mkdir(dirname(screenshotPath), { recursive: true });
    await a.page.evaluate(() => window.scrollTo(0, 0));
    await a.page.screenshot({ path: screenshotPath });
    console.log(`       ${screenshotPath}`);
  });
}

async function saveFailureScreens(people) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const { page, label } of people) {
    const path = resolve(failureDir, `foundation-failure-${label}.png`);
    await page
      .screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of ${label}'s page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`foundation e2e against ${baseUrl}`);
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
