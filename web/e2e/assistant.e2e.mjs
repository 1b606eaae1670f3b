// Browser end-to-end check of the assistant against a running Ensemble server whose model is a
// local stand-in speaking OpenAI's streaming protocol (started by BrowserFlowTest): an owner and
// an invited editor have main.py open; the owner asks, and both watch the answer stream in — held
// half-written by the stand-in until both have seen it so, its unfinished code block still plain —
// then complete, with the code block highlighted by Monaco in the editor's colours and the model's
// markup shown as text. The owner applies the block to main.py after seeing the diff and both
// editors change live. Last, the editor types and gets ghost text the owner never sees.
//
// The stand-in must answer the chat question with, in order: "Use the built-in `sum`:", then a
// fence "```python path=main.py" and its first line "def total(xs):", then nothing until
// ENSEMBLE_E2E_RELEASE_ANSWER_URL is POSTed to, then "    return sum(xs)", the closing fence,
// an html block with an <img onerror> in it, and "That is all."; a fill-in-the-middle request
// whose prompt ends with "print(" with "total([1, 2]))", any other with nothing.
//
//   ENSEMBLE_BASE_URL                server to test (default http://127.0.0.1:8080)
//   ENSEMBLE_E2E_RELEASE_ANSWER_URL  the stand-in's URL that lets the held answer go on (required)
//   ENSEMBLE_SCREENSHOT_ASSISTANT    where to save a 1280x800 screenshot of the owner's page
//                                    (default test-results/screenshot-assistant.png in web/)
//   CHROMIUM_PATH                    browser binary (default /usr/bin/chromium)
//
// Run from web/: node e2e/assistant.e2e.mjs   (prints "1 passed, 0 failed" on success)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, newPerson, serverAnswers, signUp, stepRunner } from './harness.mjs';

const webDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseUrl = (process.env.ENSEMBLE_BASE_URL || 'http://127.0.0.1:8080').replace(/\/+$/, '');
const releaseUrl = process.env.ENSEMBLE_E2E_RELEASE_ANSWER_URL;
const failureDir = resolve(webDir, 'test-results');
const screenshotPath = process.env.ENSEMBLE_SCREENSHOT_ASSISTANT
  ? resolve(process.env.ENSEMBLE_SCREENSHOT_ASSISTANT)
  : resolve(failureDir, 'screenshot-assistant.png');
const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

const STEP_TIMEOUT_MS = 20_000;
const TOTAL_TIMEOUT_MS = 120_000;
const PASSWORD = 'correct-horse-battery';

const suffix = randomBytes(4).toString('hex');
const owner = { username: `ada_${suffix}`, displayName: 'Ada Owner' };
const editor = { username: `ben_${suffix}`, displayName: 'Ben Editor' };
const projectName = `Ask ${suffix}`;
const question = 'How do I add up a list?';
const firstLine = 'total = 0';
const appliedCode = 'def total(xs):\n    return sum(xs)';

const step = stepRunner(STEP_TIMEOUT_MS);

/** The file's editor (not a diff) on `page`. */
const fileEditor = (page) => page.locator('.monaco-editor:not(.monaco-diff-editor *)').first();

/** The text of the file's editor, as Monaco renders it (it draws spaces as U+00A0). */
async function editorText(page) {
  const text = await fileEditor(page).locator('.view-lines').innerText();
  return text.replace(/\u00a0/g, ' ');
}

/** Waits until `condition()` holds, polling; fails with `describe()` of the last state. */
async function until(condition, describe) {
  const deadline = Date.now() + STEP_TIMEOUT_MS - 1_000;
  while (Date.now() < deadline) {
    if (await condition().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(await describe());
}

async function waitForEditorText(page, expected) {
  await until(
    async () => (await editorText(page)).includes(expected),
    async () =>
      `editor never showed ${JSON.stringify(expected)}; it shows ${JSON.stringify(await editorText(page).catch(() => ''))}`,
  );
}

/** The assistant's answer in the open thread. */
const answerOf = (page) =>
  page
    .getByRole('log', { name: 'Assistant messages' })
    .locator('article.ai-message-assistant')
    .first();

/** What an answer shows: its text, whether it is still being written, its highlighted tokens. */
async function answerState(page) {
  return answerOf(page).evaluate((article) => ({
    text: article.textContent ?? '',
    writing: (article.querySelector('header')?.textContent ?? '').includes('writing'),
    tokens: article.querySelectorAll('pre code span[class^="mtk"]').length,
    codes: [...article.querySelectorAll('pre code')].map((c) => c.textContent),
    images: article.querySelectorAll('img').length,
  }));
}

async function scenario(browser, people) {
  assert.ok(releaseUrl, 'ENSEMBLE_E2E_RELEASE_ANSWER_URL is not set (run through BrowserFlowTest)');
  const a = await newPerson(browser, 'owner', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(a);
  const b = await newPerson(browser, 'editor', { baseUrl, timeoutMs: STEP_TIMEOUT_MS });
  people.push(b);

  await step(`owner signs up as ${owner.username} and creates "${projectName}"`, async () => {
    await signUp(a.page, owner, PASSWORD);
    await a.page.getByLabel('Project name').fill(projectName);
    await a.page.getByRole('button', { name: 'Create project' }).click();
    await a.page.getByRole('heading', { level: 1, name: projectName, exact: true }).waitFor();
    await a.page.getByText('Saved', { exact: true }).waitFor();
  });

  await step(`editor ${editor.username} joins by an invite link`, async () => {
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
    await b.page.getByText('Saved', { exact: true }).waitFor();
  });

  await step('owner creates main.py and both have it open', async () => {
    await a.page.getByRole('link', { name: 'Code', exact: true }).click();
    await a.page.getByRole('button', { name: 'New file' }).click();
    await a.page.getByLabel('New file path').fill('main.py');
    await a.page.getByRole('button', { name: 'Create', exact: true }).click();
    await fileEditor(a.page).waitFor();
    await fileEditor(a.page).locator('.view-lines').click();
    await a.page.keyboard.type(firstLine, { delay: 10 });
    await waitForEditorText(a.page, firstLine);
    await b.page.getByRole('button', { name: 'main.py' }).first().click();
    await waitForEditorText(b.page, firstLine);
  });

  await step('both open the Assistant and the owner asks', async () => {
    for (const { page } of [a, b]) {
      await page.getByRole('tab', { name: 'Assistant', exact: true }).click();
    }
    await a.page.getByLabel('Question for the assistant').fill(question);
    await a.page.getByRole('button', { name: 'Ask', exact: true }).click();
    await b.page
      .getByRole('navigation', { name: 'Assistant threads' })
      .getByRole('button', { name: question })
      .click();
  });

  await step(
    'both see the answer half-written, its unfinished code block still plain',
    async () => {
      for (const { page, label } of [a, b]) {
        let seen;
        await until(
          async () => {
            seen = await answerState(page);
            return seen.text.includes('def total(xs):');
          },
          async () => `${label} never saw the first part: ${JSON.stringify(seen)}`,
        );
        assert.ok(seen.writing, `${label}: the answer is not marked as being written`);
        assert.ok(seen.text.includes('Use the built-in `sum`:'), `${label}: ${seen.text}`);
        assert.ok(!seen.text.includes('That is all'), `${label} saw the end too early`);
        assert.equal(seen.tokens, 0, `${label}: a block still being written was highlighted`);
      }
      const released = await fetch(releaseUrl, { method: 'POST' });
      assert.equal(released.status, 204, `the stand-in answered ${released.status} to the release`);
    },
  );

  await step('both see the whole answer, its code highlighted and its markup as text', async () => {
    for (const { page, label } of [a, b]) {
      let seen;
      await until(
        async () => {
          seen = await answerState(page);
          return seen.text.includes('That is all.') && !seen.writing && seen.tokens > 3;
        },
        async () => `${label} never saw the highlighted whole answer: ${JSON.stringify(seen)}`,
      );
      assert.equal(seen.codes[0], appliedCode, `${label}: the code block's text`);
      assert.equal(seen.codes[1], '<img src=x onerror="window.pwned = 1">', `${label}: html`);
      assert.equal(seen.images, 0, `${label}: the model's markup became an element`);
      assert.equal(await page.evaluate(() => 'pwned' in window), false, `${label}: it ran`);
    }
    await answerOf(a.page).locator('pre').first().scrollIntoViewIfNeeded();
    await mkdir(dirname(screenshotPath), { recursive: true });
    await a.page.screenshot({ path: screenshotPath });
    console.log(`       ${screenshotPath}`);
  });

  await step('the owner applies the block to main.py after seeing the diff', async () => {
    await answerOf(a.page)
      .locator('.ai-code')
      .first()
      .getByRole('button', { name: 'Apply to file' })
      .click();
    const review = a.page.getByRole('region', { name: 'Proposed change to main.py' });
    const diff = review.locator('.monaco-diff-editor');
    await until(
      async () => (await diff.innerText()).replace(/\u00a0/g, ' ').includes('return sum(xs)'),
      async () => `the diff never showed the change: ${await review.innerText().catch(() => '')}`,
    );
    assert.ok(!(await editorText(b.page)).includes('return sum(xs)'), 'applied before Apply');
    await review.getByRole('button', { name: 'Apply', exact: true }).click();
    await review.getByText('Applied to main.py.').waitFor();
  });

  await step('both editors show the applied code, in the colours of the answer', async () => {
    for (const { page } of [a, b]) {
      await waitForEditorText(page, 'return sum(xs)');
      assert.ok(!(await editorText(page)).includes(firstLine), 'the old text is still there');
      // The same keyword is drawn with the same Monaco token class and colour in both places.
      const inEditor = fileEditor(page).locator('.view-lines span span', { hasText: /^def$/ });
      const inAnswer = answerOf(page).locator('pre code span', { hasText: /^def$/ });
      const look = (el) => ({ cls: el.className, color: getComputedStyle(el).color });
      assert.deepEqual(
        await inAnswer.first().evaluate(look),
        await inEditor.first().evaluate(look),
      );
    }
  });

  await step('the editor types and sees ghost text that the owner does not', async () => {
    await fileEditor(b.page).locator('.view-lines').click();
    await b.page.keyboard.press('Control+End');
    await b.page.keyboard.press('Enter');
    await b.page.keyboard.type('print(', { delay: 20 });
    // Monaco draws a suggestion inside the line, in spans marked as ghost text.
    const ghostOf = (page) => fileEditor(page).locator('[class*="ghost-text"]');
    await until(
      async () =>
        (await ghostOf(b.page).allTextContents())
          .join('')
          .replace(/\u00a0/g, ' ')
          .includes('total([1, 2]'),
      async () =>
        `no ghost text; the line is ${await fileEditor(b.page).locator('.view-line', { hasText: 'print(' }).innerHTML()}`,
    );
    await waitForEditorText(a.page, 'print(');
    assert.equal(await ghostOf(a.page).count(), 0, 'the owner sees the suggestion');
    assert.ok(!(await editorText(a.page)).includes('total([1'), 'the suggestion reached the file');
  });
}

async function saveFailureScreens(people) {
  await mkdir(failureDir, { recursive: true }).catch(() => undefined);
  for (const { page, label } of people) {
    const path = resolve(failureDir, `assistant-failure-${label}.png`);
    await page
      .screenshot({ path, fullPage: true, timeout: 5_000 })
      .then(() => console.log(`  screenshot of ${label}'s page: ${path}`))
      .catch(() => undefined);
  }
}

async function main() {
  console.log(`assistant e2e against ${baseUrl}`);
  let browser;
  const people = [];
  const watchdog = setTimeout(() => {
    console.log(`\nFAILED: the whole test took longer than ${TOTAL_TIMEOUT_MS} ms`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }, TOTAL_TIMEOUT_MS);
  try {
    await step('server answers', () => serverAnswers(baseUrl, STEP_TIMEOUT_MS));
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
