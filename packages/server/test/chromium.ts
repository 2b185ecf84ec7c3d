/** Test helper: Debian's Chromium, headless, as the charter runs it; and why browser suites skip without it. */
import fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** `{ skip: CHROMIUM_SKIP }` on a browser suite: false when Chromium is installed, else the reason and the fix. */
export const CHROMIUM_SKIP: string | false = fs.existsSync(CHROMIUM)
  ? false
  : `browser suite: ${CHROMIUM} not installed (bash scripts/install-system-deps.sh, or apt-get install chromium)`;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 30_000 });
}
