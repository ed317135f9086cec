// PDF reports: the HTML report printed by Chromium (playwright-core drives the browser the machine
// already has; nothing is downloaded). Every request the page makes is refused, so a report that
// prints is a report that needs no network.
import { existsSync } from 'node:fs'

export const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome']

/** No browser to print with: the message says how to get one. */
export class ChromiumNotFoundError extends Error {
  override name = 'ChromiumNotFoundError'
}

/** $FLOWBENCH_CHROMIUM (passed in by the host), else the usual install locations. */
export function findChromium(configured?: string): string {
  if (configured) {
    if (!existsSync(configured)) throw new ChromiumNotFoundError(`FLOWBENCH_CHROMIUM names ${configured}, which does not exist: point it at a Chromium or Chrome executable`)
    return configured
  }
  const found = CHROMIUM_CANDIDATES.find((p) => existsSync(p))
  if (!found) {
    throw new ChromiumNotFoundError(
      `PDF reports are printed by Chromium, and none was found (looked for ${CHROMIUM_CANDIDATES.join(', ')}). Install it (Debian/Ubuntu: sudo apt-get install chromium) or set FLOWBENCH_CHROMIUM to a Chromium or Chrome executable; the html format needs no browser.`,
    )
  }
  return found
}

export interface PdfOptions {
  /** The browser executable (see findChromium). */
  executablePath: string
}

export interface PrintedPdf {
  pdf: Buffer
  /** Requests the page tried to make (all refused); a self-contained report makes none. */
  blockedRequests: string[]
}

export async function printPdf(html: string, options: PdfOptions): Promise<PrintedPdf> {
  // Imported by a name the bundlers cannot see: playwright-core finds its own files from its
  // install location, so it must be loaded from node_modules, never from a bundle.
  const moduleName = 'playwright-core'
  const { chromium } = (await import(/* @vite-ignore */ moduleName)) as typeof import('playwright-core')
  const browser = await chromium.launch({
    executablePath: options.executablePath,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  })
  try {
    const context = await browser.newContext({ offline: true, javaScriptEnabled: true })
    const page = await context.newPage()
    const blockedRequests: string[] = []
    await page.route('**/*', (route) => {
      blockedRequests.push(route.request().url())
      return route.abort()
    })
    await page.setContent(html, { waitUntil: 'load' })
    // Paper cannot be clicked: every collapsed section (what is not covered, conversations) prints open.
    await page.locator('details').evaluateAll((all) => {
      for (const d of all) d.setAttribute('open', '')
    })
    await page.emulateMedia({ media: 'print' })
    const pdf = await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } })
    return { pdf, blockedRequests }
  } finally {
    await browser.close()
  }
}
