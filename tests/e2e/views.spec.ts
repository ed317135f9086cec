// Every view of the workbench, in the light and the dark theme, at 1280×800: the pictures in
// test-results/screenshots are what reviewers look at. Each step also checks the view is designed
// (no blank panel, no raw exception).
import { test, expect } from './fixtures'
import { SUPPORT_FLOW, SUPPORT_MOCKS, SUPPORT_TESTS } from './helpers'

test('screenshots of every view', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  await workbench.screenshotBothThemes('01-start')

  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()
  await workbench.graph.ready()
  await workbench.screenshotBothThemes('02-editor-graph')

  await page.getByRole('button', { name: 'Graph only' }).click()
  await workbench.graph.fit()
  await workbench.screenshotBothThemes('03-graph')
  await page.getByRole('button', { name: 'Editor and graph' }).click()

  await workbench.explorer.open(SUPPORT_TESTS)
  await workbench.editor.ready()
  await workbench.screenshotBothThemes('04-test-file')

  // A modal blocks the theme button: open the dialog once per theme.
  for (const theme of ['light', 'dark'] as const) {
    await workbench.setTheme(theme)
    await page.getByTestId('new-flow').click()
    await page.getByTestId('new-file-name').fill('booking')
    await workbench.screenshot('05-new-flow-dialog')
    await page.keyboard.press('Escape')
  }
  await workbench.setTheme('light')

  await workbench.simulator.start(SUPPORT_FLOW)
  await workbench.screenshotBothThemes('06-simulator-start')
  await workbench.simulator.setMocks(SUPPORT_MOCKS)
  await workbench.simulator.send('I have a problem with my account')
  await workbench.simulator.send('Dana')
  await workbench.simulator.send('dana@example.com')
  await workbench.screenshotBothThemes('07-simulator-conversation')
  await workbench.simulator.inspector.locator('.call').first().click()
  await workbench.screenshotBothThemes('08-simulator-integration-call')

  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.graph.overlay('simulator')
  await workbench.screenshotBothThemes('09-graph-conversation-path')

  await workbench.tests.open()
  await workbench.screenshotBothThemes('10-tests-not-run')
  const single = workbench.tests.row('returning customers are welcomed back by name')
  await single.hover()
  await single.getByRole('button', { name: /^Run / }).click()
  await expect(single).toHaveAttribute('data-status', 'passed', { timeout: 60_000 })
  await workbench.graph.overlay('coverage')
  await workbench.screenshotBothThemes('11-graph-partial-coverage')

  await workbench.tests.runAll()
  await workbench.tests.waitForRunToFinish()
  await workbench.panel('results')
  await expect(workbench.results.runSummary).toContainText('passed')
  await workbench.screenshotBothThemes('12-test-results')

  await single.click()
  await workbench.screenshotBothThemes('13-test-result-passed')

  // A passed test's path (its transcript is fetched by running it alone).
  await page.getByTestId('result-show-path').click()
  await expect(workbench.graph.node('greeting')).toHaveAttribute('data-mark', 'path', { timeout: 60_000 })
  await workbench.screenshotBothThemes('14-graph-test-path')

  await workbench.panel('problems')
  await workbench.screenshotBothThemes('15-problems-empty')
  expect(pageErrors).toEqual([])
})
