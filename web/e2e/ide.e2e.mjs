// Browser end-to-end check of the IDE's file tools and offline editing against a running Ensemble
// server: the owner uploads a file through the file input, drags it into a folder, finds a word
// in files and opens the result; then goes offline (the status bar says so), types, comes back
// (the status bar says Saved) and an invited editor in another browser context sees the text.
// Then the owner types offline and closes the tab: the edit waits in IndexedDB and reaches the
// editor when the owner opens the project again online. Last, the owner logs out in another tab
// and the browser's copy of the documents is gone.
//
//   ENSEMBLE_BASE_URL          server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_SCREENSHOT_FILES  where to save a screenshot of the search results
//                              (default test-results/screenshot-files.png relative to web/)
//   ENSEMBLE_E2E_MAX_FILE_BYTES the server's ENSEMBLE_SYNC_MAX_FILE_BYTES; when set, a bigger
//                              upload must fail with the server's size message
//   CHROMIUM_PATH              browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/ide.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, signUp, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const failureDir = resolve(webDir, 'test-results');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT_FILES
  ? resolve(process.env.ENSEMBLE_SCREENSHOT_FILES)
  : resolve(failureDir, 'screenshot-files.png');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 25_000;
const TOTAL_TIMEOUT_MS = 240_000;
const PASSWORD = 'correct-horse-battery';

const suffix = randomBytes(4).toString('hex');
const owner = { username: `uma_${suffix}`, displayName: 'Uma Uploader' };
const editor = { username: `otto_${suffix}`, displayName: 'Otto Observer' };
const projectName = `Files ${suffix}`;
const uploaded = 'alpha line\nthe hidden needle sits here\nomega line\n';
const offlineLine = 'typed while the network was gone';
const closedTabLine = 'typed offline, then the tab was closed';
const OFFLINE = 'Offline — changes kept on this device';
const maxFileBytes = Number(process.env.ENSEMBLE_E2E_MAX_FILE_BYTES || 0);

const step = stepRunner(STEP_TIMEOUT_MS);

async function newPerson(browser, label) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 900 },
    colorScheme: 'light',
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(STEP_TIMEOUT_MS);
  const person = { context, label, page: null };
  person.page = await openPage(person);
  return person;
}

async function openPage(person) {
  const page = await person.context.newPage();
  page.on('console', (message) => {
    const text = message.text();
    // Expected noise: the 401 before login, and the socket failing to reconnect while offline.
    const expected = /status of 401|WebSocket connection to .* failed|ERR_INTERNET_DISCONNECTED/;
    if (message.type() === 'error' && !expected.test(text)) {
      console.error(`  [${person.label} console] ${text}`);
    }
  });
  page.on('pageerror', (error) => console.error(`  [${person.label} page error] ${error.message}`));
  return page;
}

async function editorText(page) {
  const text = await page.locator('.monaco-editor .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

async function waitForEditorText(page, expected) {
  const deadline = Date.now() + STEP_TIMEOUT_MS - 2_000;
  let seen = '';
  while (Date.now() < deadline) {
    seen = await editorText(page).catch(() => '');
    if (seen.includes(expected)) return seen;
    await page.waitForTimeout(100);
  }
  throw new Error(
    `editor never showed ${JSON.stringify(expected)}; it shows ${JSON.stringify(seen)}`,
  );
}

/** The status bar's save indicator. */
const saveStatus = (page) => page.locator('.save-status');

async function waitForSaveState(page, state, text) {
  const indicator = saveStatus(page);
  await indicator.and(page.locator(`[data-state="${state}"]`)).waitFor();
  assert.equal((await indicator.innerText()).trim().split('\n')[0], text);
}

/** A file's button in the tree (the editor's tabs carry the same title). */
const treeFile = (page, path) => page.locator(`.ide-files .tree-item[title="${path}"]`);

async function typeAtEnd(page, line) {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type(line, { delay: 10 });
}

async function scenario(browser, people) {
  const a = await newPerson(browser, 'owner');
  people.push(a);
  const b = await newPerson(browser, 'editor');
  people.push(b);

  await step(`owner signs up and creates project "${projectName}"`, async () => {
    await signUp(a.page, owner, PASSWORD);
    await a.page.getByLabel('Project name').fill(projectName);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    await a.page.getByRole('heading', { name: 'Files', exact: true }).waitFor();
  });

  await step('the status bar says Saved and explains that saving is automatic', async () => {
    await waitForSaveState(a.page, 'saved', 'Saved');
    assert.match(await saveStatus(a.page).getAttribute('title'), /no need to save/);
  });

  const projectPath = new URL(a.page.url()).pathname;

  await step('owner uploads notes.txt through the file input', async () => {
    await a.page.getByLabel('Upload files').setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from(uploaded),
    });
    await a.page.getByRole('region', { name: 'Uploads' }).getByText('Uploaded').waitFor();
    await treeFile(a.page, 'notes.txt').waitFor();
  });

  if (maxFileBytes > 0) {
    await step(
      `a file over the server's ${maxFileBytes}-byte limit fails with its message`,
      async () => {
        await a.page.getByLabel('Upload files').setInputFiles({
          name: 'too-big.bin',
          mimeType: 'application/octet-stream',
          buffer: Buffer.alloc(maxFileBytes * 3, 7),
        });
        const failure = a.page.getByRole('region', { name: 'Uploads' }).getByText(/^Failed: /);
        await failure.waitFor();
        assert.match(await failure.innerText(), new RegExp(`at most ${maxFileBytes} bytes`));
        assert.equal(await treeFile(a.page, 'too-big.bin').count(), 0);
      },
    );
  }

  await step('owner creates docs/readme.md, which makes a docs folder', async () => {
    await a.page.getByRole('button', { name: 'New file' }).click();
    await a.page.getByLabel('New file path').fill('docs/readme.md');
    await a.page.getByRole('button', { name: 'Create', exact: true }).click();
    await a.page.getByRole('button', { name: 'docs', exact: true }).waitFor();
  });

  await step('owner drags notes.txt onto the docs folder, and it moves there', async () => {
    await a.page
      .locator('.tree-row[data-path="notes.txt"]')
      .dragTo(a.page.locator('.tree-row[data-path="docs"]'));
    await treeFile(a.page, 'docs/notes.txt').waitFor();
    await a.page.getByRole('status').getByText('Moved “notes.txt” to “docs”.').waitFor();
    assert.equal(await a.page.locator('.tree-row[data-path="notes.txt"]').count(), 0);
  });

  await step('owner finds "needle" in files and opens the result at its line', async () => {
    await a.page.getByRole('tab', { name: 'Search' }).click();
    await a.page.getByRole('searchbox', { name: 'Search in files' }).fill('needle');
    const result = a.page.getByRole('button', { name: /^docs\/notes\.txt line 2:/ });
    await result.waitFor();
    await a.page.getByText('1 result in 1 file.').waitFor();
    await a.page.screenshot({ path: screenshotPath });
    await result.click();
    await waitForEditorText(a.page, 'the hidden needle sits here');
    await a.page.locator('.editor-tab-active [title="docs/notes.txt"]').waitFor();
    // The match is selected: Monaco draws a selection over it.
    await a.page.locator('.monaco-editor .selected-text').first().waitFor();
  });

  await step('the editor joins by an invite link and opens docs/notes.txt', async () => {
    await a.page.getByRole('link', { name: 'Members', exact: true }).click();
    await a.page.getByLabel('Invite role').selectOption('editor');
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    const link = await a.page
      .getByRole('textbox', { name: 'New invite link', exact: true })
      .inputValue();
    await signUp(b.page, editor, PASSWORD);
    const invite = new URL(link);
    await b.page.goto(invite.pathname + invite.search);
    await b.page.getByRole('button', { name: 'Join project' }).click();
    await b.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    await waitForSaveState(b.page, 'saved', 'Saved');
    await b.page.getByRole('button', { name: 'docs', exact: true }).waitFor();
    await treeFile(b.page, 'docs/notes.txt').click();
    await waitForEditorText(b.page, 'the hidden needle sits here');
    await a.page.getByRole('link', { name: 'Code', exact: true }).click();
    await treeFile(a.page, 'docs/notes.txt').click();
    await waitForEditorText(a.page, 'the hidden needle sits here');
    await waitForSaveState(a.page, 'saved', 'Saved');
  });

  await step('owner goes offline: the socket closes and the status bar says so', async () => {
    await a.context.setOffline(true);
    await waitForSaveState(a.page, 'offline', OFFLINE);
  });

  await step('owner types offline; the editor does not see it yet', async () => {
    await typeAtEnd(a.page, offlineLine);
    await waitForEditorText(a.page, offlineLine);
    await b.page.waitForTimeout(1_500);
    assert.ok(
      !(await editorText(b.page)).includes(offlineLine),
      'the edit travelled while offline',
    );
    await waitForSaveState(a.page, 'offline', OFFLINE);
  });

  await step('owner comes back online: Saved, and the editor sees the offline edit', async () => {
    await a.context.setOffline(false);
    await waitForSaveState(a.page, 'saved', 'Saved');
    await waitForEditorText(b.page, offlineLine);
  });

  await step('owner types offline and closes the tab; the edit waits in IndexedDB', async () => {
    await a.context.setOffline(true);
    await waitForSaveState(a.page, 'offline', OFFLINE);
    await typeAtEnd(a.page, closedTabLine);
    await waitForEditorText(a.page, closedTabLine);
    // The repo writes to IndexedDB shortly after each change.
    await a.page.waitForTimeout(1_000);
    await a.page.close();
    await b.page.waitForTimeout(500);
    assert.ok(
      !(await editorText(b.page)).includes(closedTabLine),
      'the edit travelled while offline',
    );
  });

  await step('owner reopens the project online and the kept edit reaches the editor', async () => {
    await a.context.setOffline(false);
    a.page = await openPage(a);
    await a.page.goto(projectPath);
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    await treeFile(a.page, 'docs/notes.txt').click();
    await waitForEditorText(a.page, closedTabLine);
    const text = await waitForEditorText(b.page, closedTabLine);
    assert.ok(
      text.includes(offlineLine),
      `the first offline line was lost: ${JSON.stringify(text)}`,
    );
    await waitForSaveState(a.page, 'saved', 'Saved');
  });

  await step(
    'owner logs out in a second tab: the browser keeps no copy of the documents',
    async () => {
      const copies = (page) =>
        page.evaluate(async () =>
          (await indexedDB.databases())
            .map((d) => d.name)
            .filter((name) => name.startsWith('ensemble-documents')),
        );
      assert.equal((await copies(a.page)).length, 1, 'the open project should have its copy');
      // The project stays open in the first tab, its connection to the copy with it.
      const account = await openPage(a);
      await account.goto(`${baseUrl}/account`);
      await account.getByRole('button', { name: 'Log out' }).click();
      await account.waitForURL(/\/login/);
      const deadline = Date.now() + 10_000;
      let left = await copies(account);
      while (left.length > 0 && Date.now() < deadline) {
        await account.waitForTimeout(200);
        left = await copies(account);
      }
      assert.deepEqual(left, [], 'a copy of the documents outlived logging out');
      await account.close();
    },
  );
}

async function saveFailureScreens(people) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const { page, label } of people) {
    const path = resolve(failureDir, `ide-failure-${label}.png`);
    await page
      ?.screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of ${label}'s page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`ide e2e against ${baseUrl}`);
  let browser;
  const people = [];
  const watchdog = setTimeout(() => {
    console.log(`\nFAILED: the whole test took longer than ${TOTAL_TIMEOUT_MS} ms`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  try {
    await mkdir(dirname(screenshotPath), { recursive: true });
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
