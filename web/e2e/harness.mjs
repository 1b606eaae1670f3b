// What every browser end-to-end script shares: named steps with a time limit, the check that the
// server answers, starting Debian's chromium the same way, a person in a browser context of their
// own, and signing up.

import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

/** A step runner: each step fails with its name if it takes longer than `timeoutMs`. */
export function stepRunner(timeoutMs) {
  return async function step(name, action) {
    const started = Date.now();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`step "${name}" timed out after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([action(), timeout]);
      console.log(`  ok  ${name} (${Date.now() - started} ms)`);
      return result;
    } catch (error) {
      console.log(`  FAIL ${name}`);
      const cause = error instanceof Error ? error.message : String(error);
      throw new Error(`${name}: ${cause}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Fails unless the Ensemble server at `baseUrl` answers within `timeoutMs`. */
export async function serverAnswers(baseUrl, timeoutMs) {
  try {
    const response = await fetch(`${baseUrl}/api/auth/providers`, {
      signal: AbortSignal.timeout(timeoutMs),
    });
    assert.equal(response.status, 200, `GET /api/auth/providers answered ${response.status}`);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`Ensemble server not reachable at ${baseUrl} (${cause})`, { cause: error });
  }
}

/** Starts headless chromium from `executablePath` with the flags the tests rely on. */
export function launchChromium(executablePath) {
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A person: a browser context of their own on `baseUrl` (1280x800, light), whose console errors
 * and page errors are printed under `label`; the 401 of GET /api/me before login is expected.
 */
export async function newPerson(browser, label, { baseUrl, timeoutMs }) {
  const context = await browser.newContext({
    baseURL: baseUrl,
    viewport: { width: 1280, height: 800 },
    colorScheme: 'light',
  });
  context.setDefaultTimeout(timeoutMs);
  context.setDefaultNavigationTimeout(timeoutMs);
  const page = await context.newPage();
  page.on('console', (message) => {
    const expected = /status of 401/.test(message.text());
    if (message.type() === 'error' && !expected) {
      console.error(`  [${label} console] ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => console.error(`  [${label} page error] ${error.message}`));
  return { context, page, label };
}

/** Signs `person` ({username, displayName}) up through the form and waits for the project list. */
export async function signUp(page, person, password) {
  await page.goto('/signup');
  await page.getByLabel('Username').fill(person.username);
  await page.getByLabel('Password').fill(password);
  await page.getByLabel('Display name (optional)').fill(person.displayName);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.getByRole('heading', { level: 1, name: 'Projects', exact: true }).waitFor();
}
