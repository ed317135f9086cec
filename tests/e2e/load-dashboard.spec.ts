// The performance dashboard on the sample workspace: open the support scenario from the Load
// activity, start a short run (5 s of arrivals), watch the live charts grow and the counters move,
// read the verdict and the report, then export the run's HTML report and open it with the
// network off. Screenshots while running and after, in both themes.
import { readFileSync } from 'node:fs'
import { test, expect } from './fixtures'

const SCENARIO = 'load/support.load.yaml'

test('a load run from the dashboard: live charts, verdict, report, export opened offline', async ({ workbench, pageErrors }) => {
  const { load, page } = workbench
  const view = await load.open(SCENARIO)
  // More room for the dashboard: the bottom panel (diagnostics of an open flow) is not needed here.
  if (await page.getByTestId('panel-tab-problems').isVisible()) await page.keyboard.press('Control+j')
  await expect(view.getByTestId('load-summary')).toContainText('constant-arrival-rate')
  await expect(view.getByTestId('load-threshold-defs')).toContainText('turn_latency_p95')

  await load.start({ rate: 10, durationS: 5, workers: 1 })
  await expect(page.getByTestId('load-running-badge')).toBeVisible()
  // The charts move: a first second is drawn (the live counters and thresholds are up), then more.
  await expect.poll(() => load.points('throughput'), { timeout: 20_000 }).toBeGreaterThanOrEqual(1)
  const first = await load.points('latency')
  await expect(view.getByTestId('load-counter-turns')).toBeVisible()
  await expect(view.getByTestId('load-counter-elapsed')).toContainText('/ 5s')
  await workbench.screenshotBothThemes('40-load-dashboard-running')
  await expect.poll(() => load.points('latency'), { timeout: 20_000 }).toBeGreaterThan(first)

  // The verdict and the report of the finished run.
  await expect(view).toHaveAttribute('data-state', 'finished', { timeout: 60_000 })
  const verdict = view.getByTestId('load-report-verdict')
  await expect(verdict).toHaveAttribute('data-verdict', /^(passed|failed)$/)
  await expect(view.getByTestId('load-report-states')).toContainText('detect_intent')
  await expect(view.getByTestId('load-report-integrations')).toContainText('crm_lookup')
  expect(await load.points('throughput')).toBeGreaterThanOrEqual(5)
  await expect(view.getByTestId('load-report-environment')).toContainText('1 worker')
  await workbench.screenshotBothThemes('41-load-dashboard-finished')

  // Recorded in the history: it is listed under recent runs, and opens in the run view.
  await expect(page.getByTestId('load-recent').locator('button').first()).toBeVisible()

  // Export the HTML report of the run and open it with the network off.
  await view.getByTestId('export-run').click()
  await expect(page.getByTestId('export-dialog')).toBeVisible()
  await page.getByTestId('export-format').selectOption('html')
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-submit').click()])
  expect(download.suggestedFilename()).toMatch(/\.html$/)
  const file = test.info().outputPath(download.suggestedFilename())
  await download.saveAs(file)
  const html = readFileSync(file, 'utf8')
  expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=["']?https?:|url\(["']?https?:/i)
  const browser = page.context().browser()
  test.skip(!browser, 'the electron project has no browser to open the report in')
  const offline = await browser!.newContext({ offline: true })
  try {
    const report = await offline.newPage()
    const failed: string[] = []
    report.on('requestfailed', (r) => failed.push(r.url()))
    await report.goto(`file://${file}`)
    await expect(report.locator('body')).toContainText('turn_latency_p95')
    await expect(report.locator('body')).toContainText('support.load.yaml')
    expect(await report.locator('svg').count()).toBeGreaterThanOrEqual(4)
    expect(failed).toEqual([])
  } finally {
    await offline.close()
  }
  await page.keyboard.press('Escape')

  // Open the run from the history.
  await view.getByTestId('load-open-history').click()
  await expect(page.getByTestId('run-view').getByTestId('load-report')).toBeVisible()
  expect(pageErrors).toEqual([])
})

test('the editor completes a load scenario from its schema', async ({ workbench, pageErrors }) => {
  const { load, editor, page } = workbench
  const view = await load.open(SCENARIO)
  await view.getByTestId('load-open-file').click()
  await expect(editor.tab(SCENARIO)).toBeVisible()
  await editor.ready()
  // A new top-level line after the comment block: the schema offers the keys the sample does not use yet.
  await editor.goToLine(5)
  await page.keyboard.press('End')
  await page.keyboard.press('Enter')
  await page.keyboard.type('se')
  await page.keyboard.press('Control+Space')
  await expect(editor.host.locator('.suggest-widget')).toContainText('seed', { timeout: 30_000 })
  await page.keyboard.press('Escape')
  expect(pageErrors).toEqual([])
})
