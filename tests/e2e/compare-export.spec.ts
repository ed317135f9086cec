// Comparing two runs and exporting a redacted report: a passing run and one where a test broke,
// compared from the run view (regression, newly failing, changed reply); the failing run exported
// as HTML with redaction on, then opened in a fresh offline page that may fetch nothing.
import { readFileSync } from 'node:fs'
import { test, expect } from './fixtures'
import { readWorkspaceFile, SUPPORT_TESTS, writeWorkspaceFile } from './helpers'

test('compare a failing run with a passing one, then export it as a redacted HTML report and read it offline', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  await workbench.tests.runAll()
  await workbench.tests.waitForRunToFinish()
  await workbench.runs.open()
  const passing = (await workbench.runs.rows().first().getAttribute('data-run-id'))!

  const original = readWorkspaceFile(SUPPORT_TESTS)
  try {
    // The test now expects a reply with an address in it: the failure carries personal data.
    writeWorkspaceFile(SUPPORT_TESTS, original.replace('Which email address should we use to get back to you?', 'Write to care@example.com or call +44 20 7946 0958'))
    await workbench.tests.runAll()
    await workbench.tests.waitForRunToFinish()
  } finally {
    writeWorkspaceFile(SUPPORT_TESTS, original)
  }
  await workbench.runs.open()
  await expect(workbench.runs.rows().first()).not.toHaveAttribute('data-run-id', passing)
  const failing = (await workbench.runs.rows().first().getAttribute('data-run-id'))!
  await workbench.runs.openRun(failing)

  const compare = await workbench.reports.compareWith(passing)
  await expect(compare).toHaveAttribute('data-a', passing)
  await expect(compare).toHaveAttribute('data-b', failing)
  await expect(compare.getByTestId('compare-verdict')).toHaveAttribute('data-regression', 'true')
  await expect(compare.getByTestId('compare-verdict')).toContainText('newly failing')
  await expect(compare.getByTestId('compare-newly-failing')).toContainText('login problem')
  await expect(compare.getByTestId('compare-base')).toContainText(passing)
  await workbench.screenshotBothThemes('compare-view')

  await workbench.runs.openRun(failing)
  // The dialog is modal (the theme switch is behind it): one screenshot per theme, opened afresh.
  const initialTheme = await workbench.theme()
  for (const theme of ['light', 'dark'] as const) {
    await workbench.setTheme(theme)
    await workbench.reports.openExport()
    await expect(page.getByTestId('export-preview')).toContainText('Will replace')
    await workbench.screenshot('export-dialog')
    await page.keyboard.press('Escape')
    await expect(page.getByTestId('export-dialog')).toHaveCount(0)
  }
  await workbench.setTheme(initialTheme)
  const dialog = await workbench.reports.openExport()
  await expect(page.getByTestId('export-redact')).toBeChecked()
  await expect(page.getByTestId('export-preview')).toContainText('Will replace 1 email address, 1 phone number.')
  const file = await workbench.reports.export('html')
  expect(file.name).toBe(`flowbench-${failing}.html`)
  await expect(dialog.getByTestId('export-done')).toContainText(file.name)
  const html = readFileSync(file.path, 'utf8')
  expect(html).not.toContain('care@example.com')
  expect(html).not.toContain('7946 0958')
  expect(html).toContain('Write to &lt;email-1&gt; or call &lt;phone-1&gt;')

  // The report on its own: a new page with every request refused must still show everything.
  const reportPage = await page.context().newPage()
  const requests: string[] = []
  await reportPage.route('**/*', (route) => {
    requests.push(route.request().url())
    return route.abort()
  })
  await reportPage.setContent(html, { waitUntil: 'load' })
  await expect(reportPage.locator('h1')).toContainText('Flowbench test report')
  await expect(reportPage.locator('.card.failed b')).not.toHaveText('0')
  await expect(reportPage.locator('.redaction')).toContainText('Redacted. 1 email address, 1 phone number replaced')
  await expect(reportPage.locator('svg.flow-graph').first()).toBeVisible()
  await expect(reportPage.locator('svg.flow-graph .fg-node.covered').first()).toBeVisible()
  await reportPage.screenshot({ path: 'test-results/screenshots/exported-report.png', fullPage: false })
  expect(requests).toEqual([])
  await reportPage.close()
  await page.keyboard.press('Escape')
  expect(pageErrors).toEqual([])
})
