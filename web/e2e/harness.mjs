// What every browser end-to-end script shares: named steps with a time limit, the check that the
// server answers, and starting Debian's chromium the same way.

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
