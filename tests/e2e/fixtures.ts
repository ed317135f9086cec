// The `app` fixture: a Page showing the workbench, from `flowbench serve` in Chromium (web) or
// from the desktop app (electron, skipped where Electron's binary is not installed). Specs and
// page objects use only `app`/`workbench`, so they run unchanged on both.
import { test as base, _electron, chromium, type Browser, type BrowserContext, type Page } from '@playwright/test'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { e2eServer } from './server-info'
import { Workbench } from './pages/workbench'

const root = resolve(__dirname, '../..')

/** Electron's executable as named by node_modules/electron/path.txt, when it was downloaded. */
export function electronBinary(): string | null {
  const pkg = join(root, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const relative = readFileSync(pathFile, 'utf8').trim()
  const binary = relative ? join(process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist'), relative) : ''
  return binary && existsSync(binary) ? binary : null
}

interface TestFixtures {
  /** The workbench window, loaded. */
  app: Page
  workbench: Workbench
  /** Uncaught page errors seen during the test (a spec fails when there are any). */
  pageErrors: string[]
}

interface WorkerFixtures {
  /**
   * Chromium and one context, created on first use (so the electron project never starts a
   * browser) and shared by the worker's tests: its HTTP cache keeps the big immutable assets
   * (Monaco, ELK) from being fetched and compiled again for every test.
   */
  webContext: () => Promise<BrowserContext>
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  webContext: [
    async ({}, use, workerInfo) => {
      let browser: Browser | null = null
      let context: BrowserContext | null = null
      await use(async () => {
        browser ??= await chromium.launch(workerInfo.project.use.launchOptions ?? {})
        context ??= await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: 'light' })
        return context
      })
      await (browser as Browser | null)?.close()
    },
    { scope: 'worker' },
  ],

  pageErrors: async ({}, use) => {
    await use([])
  },

  app: async ({ webContext, pageErrors }, use, testInfo) => {
    const server = e2eServer()
    let page: Page
    let close: () => Promise<void>
    if (testInfo.project.name === 'electron') {
      const executablePath = electronBinary()
      testInfo.skip(!executablePath, 'Electron is not installed here (node_modules/electron/path.txt names no binary)')
      const electronApp = await _electron.launch({
        executablePath: executablePath!,
        args: [join(root, 'out', 'main', 'index.js'), `--workspace=${server.workspace}`],
        env: { ...process.env, FLOWBENCH_HOME: `${server.home}-electron` } as Record<string, string>,
      })
      page = await electronApp.firstWindow()
      close = () => electronApp.close()
    } else {
      const context = await webContext()
      page = await context.newPage()
      // Every test starts from the default layout and theme (the UI remembers them in localStorage).
      await page.addInitScript('window.localStorage.clear()')
      await page.goto(server.url)
      close = () => page.close()
    }
    page.on('pageerror', (err) => pageErrors.push(err.message))
    await page.locator('[data-app-state="loaded"]').waitFor({ timeout: 30_000 })
    await use(page)
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('screenshot', { body: await page.screenshot(), contentType: 'image/png' }).catch(() => undefined)
    }
    await close()
  },

  workbench: async ({ app }, use) => {
    await use(new Workbench(app))
  },
})

export { expect } from '@playwright/test'
