import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// The browser tests drive the system's Chromium (the Debian `chromium` package, which
// npm test installs when missing). Nothing here ever downloads a browser of its own.

export const CHROMIUM = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need the Debian chromium package (apt-get install chromium; npm test installs it). They never download a browser.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
