// Browser end-to-end check of git in the web app against a running Ensemble server and a git
// smart-HTTP server with basic authentication: a new user stores an access token for the git
// host, imports the repository through the "Import repository" dialog and watches its progress,
// lands in the IDE, edits src/app.py, sees the file marked modified, opens its diff in Source
// Control, commits everything and pushes. The caller checks what arrived in the repository.
//
//   ENSEMBLE_BASE_URL            server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_GIT_REPO_URL        the repository to import (required); it holds src/app.py
//   ENSEMBLE_GIT_USERNAME        user name for the git host's basic authentication (required)
//   ENSEMBLE_GIT_TOKEN           its password / access token (required)
//   ENSEMBLE_E2E_USERNAME        the Ensemble account to sign up (default gina_<random>)
//   ENSEMBLE_E2E_DISPLAY_NAME    its display name, the commit's author (default Gina Git)
//   ENSEMBLE_E2E_COMMIT_MESSAGE  the commit message (default "Edit app.py in the browser")
//   ENSEMBLE_E2E_EDIT_LINE       the line typed at the end of src/app.py
//   ENSEMBLE_SCREENSHOT_GIT      where to save a screenshot of Source Control showing the diff
//                                (default ../docs/screenshot-git.png relative to web/)
//   CHROMIUM_PATH                browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/git.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, serverAnswers, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT_GIT
  ? resolve(process.env.ENSEMBLE_SCREENSHOT_GIT)
  : resolve(webDir, '../docs/screenshot-git.png');
const failureDir = resolve(webDir, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.log(`${name} is required`);
    process.exit(2);
  }
  return value;
}

const repoUrl = required('ENSEMBLE_GIT_REPO_URL');
const gitUser = required('ENSEMBLE_GIT_USERNAME');
const gitToken = required('ENSEMBLE_GIT_TOKEN');
const person = {
  username: process.env.ENSEMBLE_E2E_USERNAME || `gina_${randomBytes(4).toString('hex')}`,
  displayName: process.env.ENSEMBLE_E2E_DISPLAY_NAME || 'Gina Git',
};
const commitMessage = process.env.ENSEMBLE_E2E_COMMIT_MESSAGE || 'Edit app.py in the browser';
// No brackets or quotes: Monaco would close them as they are typed.
const editLine = process.env.ENSEMBLE_E2E_EDIT_LINE || 'answer = 42  # typed in the browser';
const gitHost = new URL(repoUrl).host;
const projectName = new URL(repoUrl).pathname
  .replace(/\/+$/, '')
  .split('/')
  .pop()
  .replace(/\.git$/, '');

const STEP_TIMEOUT_MS = 30_000;
const TOTAL_TIMEOUT_MS = 240_000;
const PASSWORD = 'correct-horse-battery';

const step = stepRunner(STEP_TIMEOUT_MS);

const serverIsUp = () => serverAnswers(baseUrl, STEP_TIMEOUT_MS);

/** The text of the first Monaco view inside `scope`, as rendered (spaces as U+00A0). */
async function viewText(scope) {
  const text = await scope.locator('.view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

async function waitForText(scope, expected, what) {
  const deadline = Date.now() + STEP_TIMEOUT_MS - 2_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await viewText(scope).catch(() => '');
    if (seen.includes(expected)) return seen;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `${what} never showed ${JSON.stringify(expected)}; it shows ${JSON.stringify(seen)}`,
  );
}

async function scenario(browser, pages) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  pages.push(page);
  page.on('console', (message) => {
    const expected = /status of 401/.test(message.text());
    if (message.type() === 'error' && !expected) console.error(`  [console] ${message.text()}`);
  });
  page.on('pageerror', (error) => console.error(`  [page error] ${error.message}`));

  await step(`sign up as ${person.username}`, async () => {
    await page.goto('/signup');
    await page.getByLabel('Username').fill(person.username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByLabel('Display name (optional)').fill(person.displayName);
    await page.getByRole('button', { name: 'Sign up' }).click();
    await page.getByRole('heading', { level: 1, name: 'Projects', exact: true }).waitFor();
  });

  const dialog = page.getByRole('dialog', { name: 'Import repository' });

  await step(`open the import dialog and store a token for ${gitHost}`, async () => {
    await page.getByRole('button', { name: 'Import repository' }).click();
    await dialog.getByLabel('Repository URL').fill(repoUrl);
    await dialog.getByText('Access token for this host').click();
    const host = dialog.getByLabel('Host', { exact: true });
    assert.equal(await host.inputValue(), gitHost, 'the host is taken from the URL');
    await dialog.getByLabel('User name (optional)').fill(gitUser);
    await dialog.getByLabel('Access token').fill(gitToken);
    await dialog.getByRole('button', { name: 'Save token' }).click();
    await dialog.getByText(`Token saved for ${gitHost}.`).waitFor();
  });

  await step('import, watch the progress finish and land in the IDE', async () => {
    // Record every progress label the dialog shows, however briefly.
    await page.evaluate(() => {
      const seen = [];
      window.__importProgress = seen;
      const note = () => {
        const label = document.querySelector('.import-progress-label');
        if (label && seen[seen.length - 1] !== label.textContent) seen.push(label.textContent);
      };
      new MutationObserver(note).observe(document.body, {
        subtree: true,
        childList: true,
        characterData: true,
      });
    });
    await dialog.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    const phases = await page.evaluate(() => window.__importProgress);
    assert.ok(phases.length > 0, 'the dialog showed no progress');
    assert.ok(
      phases.some((p) => p.startsWith('Opening the project')),
      `the progress never finished: ${JSON.stringify(phases)}`,
    );
    console.log(`       progress seen: ${phases.join(' → ')}`);
    await page.getByRole('heading', { name: 'Files', exact: true }).waitFor();
    await page.getByText('Saved', { exact: true }).waitFor();
  });

  const editor = page.locator('.ide-main .monaco-editor').first();
  const files = page.getByRole('complementary', { name: 'Project files' });

  await step('open src/app.py and type a line at its end', async () => {
    await files.getByRole('button', { name: 'app.py', exact: true }).click();
    await waitForText(editor, "print('hello')", 'the editor');
    await editor.locator('.view-lines').click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type(editLine, { delay: 10 });
    await page.keyboard.press('Enter');
    await waitForText(editor, editLine, 'the editor');
  });

  await step('the file tree marks src/app.py modified', async () => {
    await files.getByRole('button', { name: /^app\.py\W+modified$/ }).waitFor();
  });

  const panel = page.locator('#tool-panel-Source-Control');

  await step('Source Control lists the change and shows its diff', async () => {
    await page.getByRole('tab', { name: /^Source Control/ }).click();
    await panel.getByRole('button', { name: 'Diff working src/app.py' }).click();
    const diff = panel.locator('.git-diff-editor .monaco-diff-editor');
    await diff.waitFor();
    await waitForText(diff.locator('.editor.modified'), editLine, 'the diff’s new side');
    const before = await viewText(diff.locator('.editor.original'));
    assert.ok(!before.includes(editLine), `the old side already has the edit: ${before}`);
    // The inserted line is drawn as an insertion.
    await diff.locator('.line-insert, .char-insert').first().waitFor();
  });

  await step('Source Control with the diff is saved as a screenshot', async () => {
    await mkdir(dirname(screenshotPath), { recursive: true });
    await page.locator('.tool-panels').screenshot({ path: screenshotPath });
    console.log(`       ${screenshotPath}`);
  });

  await step(`commit everything as "${commitMessage}"`, async () => {
    await panel.getByLabel('Commit message').fill(commitMessage);
    await panel.getByRole('button', { name: 'Commit all', exact: true }).click();
    await panel.getByText(new RegExp(`^Committed [0-9a-f]{7}: ${commitMessage}$`)).waitFor();
    await panel.getByRole('list', { name: 'Commit history' }).getByText(commitMessage).waitFor();
    await panel.getByText('No changes.').waitFor();
  });

  await step('push to origin', async () => {
    await panel.getByRole('button', { name: 'Push ↑1', exact: true }).click();
    await panel.getByText('Pushed main to origin.').waitFor();
    await panel.getByRole('button', { name: 'Push', exact: true }).waitFor();
  });

  await step('the file tree no longer marks src/app.py', async () => {
    await files.getByRole('button', { name: 'app.py', exact: true }).waitFor();
  });
}

async function saveFailureScreens(pages) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const page of pages) {
    const path = resolve(failureDir, 'git-failure.png');
    await page
      .screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of the page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`git e2e against ${baseUrl}, repository ${repoUrl}`);
  let browser;
  const pages = [];
  const watchdog = setTimeout(() => {
    console.log(`\nFAILED: the whole test took longer than ${TOTAL_TIMEOUT_MS} ms`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  try {
    await step('server answers', serverIsUp);
    browser = await step('browser starts', () => launchChromium(chromiumPath));
    await scenario(browser, pages);
    console.log('1 passed, 0 failed');
    return 0;
  } catch (error) {
    console.log(`\nFAILED: ${error instanceof Error ? error.message : String(error)}`);
    await saveFailureScreens(pages);
    console.log('0 passed, 1 failed');
    return 1;
  } finally {
    clearTimeout(watchdog);
    await browser?.close().catch(() => undefined);
  }
}

process.exitCode = await main();
