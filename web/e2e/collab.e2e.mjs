// Browser end-to-end check of collaborative editing against a running Ensemble server: an owner
// and an invited editor open the same project in two browser contexts; the owner creates main.py
// and types, the editor sees the text and the owner's cursor arrive live, types back, and the
// owner sees that; the owner's undo takes back only the owner's own typing. Last, the editor
// follows the owner (clicks the owner in "Who is here") and is taken to the file the owner
// creates next, then stops following and stays there when the owner moves on.
//
//   ENSEMBLE_BASE_URL          server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_SCREENSHOT_IDE    where to save a 1280x800 screenshot of the owner's editor
//                              (default ../docs/screenshot-ide.png relative to web/)
//   CHROMIUM_PATH              browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/collab.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, newPerson, serverAnswers, signUp, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT_IDE
  ? resolve(process.env.ENSEMBLE_SCREENSHOT_IDE)
  : resolve(webDir, '../docs/screenshot-ide.png');
const failureDir = resolve(webDir, 'test-results');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 240_000;
const PASSWORD = 'correct-horse-battery';

const suffix = randomBytes(4).toString('hex');
const owner = { username: `olive_${suffix}`, displayName: 'Olive Owner' };
const editor = { username: `eddie_${suffix}`, displayName: 'Eddie Editor' };
const projectName = `Duet ${suffix}`;
const ownerLine = 'message = "hello from olive"';
const editorLine = 'print(message)  # eddie was here';
const followedLine = 'notes the editor reads by following';

const step = stepRunner(STEP_TIMEOUT_MS);

const serverIsUp = () => serverAnswers(baseUrl, STEP_TIMEOUT_MS);

/** The text of the editor on screen, as Monaco renders it (it draws spaces as U+00A0). */
async function editorText(page) {
  const text = await page.locator('.monaco-editor .view-lines').first().innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** Waits until the editor on `page` shows `expected` somewhere in its text. */
async function waitForEditorText(page, expected) {
  const deadline = Date.now() + STEP_TIMEOUT_MS - 1_000;
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

/** Puts the caret at the end of the editor's text. */
async function focusEditorEnd(page) {
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+End');
}

async function scenario(browser, people) {
  const a = await newPerson(browser, 'owner', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(a);
  const b = await newPerson(browser, 'editor', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(b);

  await step(`owner signs up as ${owner.username}`, () => signUp(a.page, owner, PASSWORD));

  const projectPath = await step(`owner creates project "${projectName}"`, async () => {
    await a.page.getByLabel('Project name').fill(projectName);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    const path = new URL(a.page.url()).pathname;
    assert.match(path, /^\/projects\/[^/]+$/, `after creating, the owner is at ${path}`);
    return path;
  });

  await step('the owner sees the project open in the editor, connected', async () => {
    await a.page.getByRole('heading', { name: 'Files', exact: true }).waitFor();
    await a.page.getByText('Saved', { exact: true }).waitFor();
  });

  const inviteUrl = await step('owner creates an editor invite link', async () => {
    await a.page.getByRole('link', { name: 'Members', exact: true }).click();
    await a.page.getByRole('heading', { level: 1, name: 'Members', exact: true }).waitFor();
    await a.page.getByLabel('Invite role').selectOption('editor');
    await a.page.getByRole('button', { name: 'Create invite link' }).click();
    return a.page.getByRole('textbox', { name: 'New invite link', exact: true }).inputValue();
  });

  await step(`editor signs up as ${editor.username} and joins by the link`, async () => {
    await signUp(b.page, editor, PASSWORD);
    const invite = new URL(inviteUrl);
    await b.page.goto(invite.pathname + invite.search);
    await b.page.getByRole('button', { name: 'Join project' }).click();
    await b.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    assert.equal(new URL(b.page.url()).pathname, projectPath);
    await b.page.getByText('Saved', { exact: true }).waitFor();
  });

  await step('owner creates main.py and types in it', async () => {
    await a.page.getByRole('link', { name: 'Code', exact: true }).click();
    await a.page.getByRole('button', { name: 'New file' }).click();
    await a.page.getByLabel('New file path').fill('main.py');
    await a.page.getByRole('button', { name: 'Create', exact: true }).click();
    await a.page.locator('.monaco-editor').first().waitFor();
    await focusEditorEnd(a.page);
    await a.page.keyboard.type(ownerLine, { delay: 15 });
    await waitForEditorText(a.page, ownerLine);
  });

  await step('the editor sees main.py appear and the text arrive', async () => {
    await b.page.getByRole('button', { name: 'main.py' }).first().click();
    await waitForEditorText(b.page, ownerLine);
  });

  await step("the editor sees the owner's cursor with the owner's name", async () => {
    // A click moves the owner's caret; its label follows it on the editor's screen.
    await a.page.keyboard.press('Home');
    const label = b.page.locator('.peer-label', { hasText: owner.displayName });
    await label.waitFor({ state: 'visible' });
  });

  await step('the editor types on a new line and the owner sees it live', async () => {
    await focusEditorEnd(b.page);
    await b.page.keyboard.press('Enter');
    await b.page.keyboard.type(editorLine, { delay: 15 });
    await waitForEditorText(b.page, editorLine);
    const text = await waitForEditorText(a.page, editorLine);
    assert.ok(text.includes(ownerLine), `the owner's own line was lost: ${JSON.stringify(text)}`);
  });

  await step("the owner sees the editor's cursor label and both texts agree", async () => {
    await a.page.locator('.peer-label', { hasText: editor.displayName }).waitFor();
    assert.equal(await editorText(a.page), await editorText(b.page));
    await a.page.getByRole('list', { name: 'Who is here' }).getByRole('button').first().waitFor();
  });

  await step(
    "the owner's undo takes back only the owner's typing, and redo restores it",
    async () => {
      await a.page.locator('.monaco-editor .view-lines').first().click();
      await a.page.keyboard.press('Control+z');
      const undone = await waitForEditorText(b.page, editorLine);
      await waitForEditorText(a.page, editorLine);
      const deadline = Date.now() + 5_000;
      let text = undone;
      while (text.includes(ownerLine) && Date.now() < deadline) {
        await b.page.waitForTimeout(100);
        text = await editorText(b.page);
      }
      assert.ok(
        !text.includes(ownerLine),
        `the owner's line is still there: ${JSON.stringify(text)}`,
      );
      await a.page.keyboard.press('Control+Shift+z');
      await waitForEditorText(b.page, ownerLine);
      assert.equal(await editorText(a.page), await editorText(b.page));
    },
  );

  await step(`the owner's editor is saved as a screenshot`, async () => {
    await mkdir(dirname(screenshotPath), { recursive: true });
    await a.page.screenshot({ path: screenshotPath });
    console.log(`       ${screenshotPath}`);
  });

  await step('the editor follows the owner, and sees the file the owner opens next', async () => {
    await b.page
      .getByRole('list', { name: 'Who is here' })
      .getByRole('button', { name: new RegExp(`^Follow ${owner.displayName}`) })
      .click();
    await b.page.getByText(`Following ${owner.displayName}`).waitFor();
    await a.page.getByRole('button', { name: 'New file' }).click();
    await a.page.getByLabel('New file path').fill('notes.md');
    await a.page.getByRole('button', { name: 'Create', exact: true }).click();
    // The new, empty file replaces main.py in the owner's editor before the owner types.
    const shown = Date.now() + 10_000;
    while ((await editorText(a.page).catch(() => ownerLine)).includes(ownerLine)) {
      assert.ok(Date.now() < shown, "the owner's editor never showed the new file");
      await a.page.waitForTimeout(100);
    }
    await focusEditorEnd(a.page);
    await a.page.keyboard.type(followedLine, { delay: 15 });
    // The editor did nothing but follow: its editor now shows the owner's new file.
    const text = await waitForEditorText(b.page, followedLine);
    assert.ok(!text.includes(ownerLine), `the editor still shows main.py: ${JSON.stringify(text)}`);
  });

  await step('stopping follow mode keeps the file and leaves it where it is', async () => {
    await b.page.getByRole('button', { name: 'Stop following' }).click();
    await b.page.getByText(`Following ${owner.displayName}`).waitFor({ state: 'detached' });
    await a.page.getByRole('button', { name: 'main.py' }).first().click();
    await waitForEditorText(a.page, ownerLine);
    await b.page.waitForTimeout(1_000);
    assert.ok(
      (await editorText(b.page)).includes(followedLine),
      'the editor moved with the owner after it stopped following',
    );
  });
}

async function saveFailureScreens(people) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const { page, label } of people) {
    const path = resolve(failureDir, `collab-failure-${label}.png`);
    await page
      .screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of ${label}'s page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`collab e2e against ${baseUrl}`);
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
