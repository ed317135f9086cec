// Run history: tests run in the workbench are recorded; the history lists them, opens one as
// it was shown live, marks it as baseline and deletes another run.
import { test, expect } from './fixtures'
import { readWorkspaceFile, SUPPORT_TESTS, writeWorkspaceFile } from './helpers'

test('run tests, find the runs in the history, open one, mark it as baseline, delete another', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  // Two runs of the sample tests from the Tests view.
  for (let i = 0; i < 2; i++) {
    await workbench.tests.runAll()
    await workbench.tests.waitForRunToFinish()
  }
  const link = page.getByTestId('tests-open-in-history')
  await expect(link).toBeVisible()

  await workbench.runs.open()
  await expect(workbench.runs.rows().first()).toBeVisible()
  const before = await workbench.runs.rows().count()
  expect(before).toBeGreaterThanOrEqual(2)
  const newest = (await workbench.runs.rows().nth(0).getAttribute('data-run-id'))!
  const previous = (await workbench.runs.rows().nth(1).getAttribute('data-run-id'))!
  await expect(workbench.runs.row(newest)).toContainText('passed')

  // "Open in history" in the Tests view opens the same run the history lists first.
  await workbench.tests.open()
  await link.click()
  const view = workbench.runs.view()
  await expect(view).toHaveAttribute('data-run-id', newest)
  await expect(view.getByTestId('run-view-outcome')).toHaveText('Passed')
  await expect(view.getByTestId('run-view-summary')).toContainText('0 failed')
  await expect(view.getByTestId('coverage-summary')).toContainText('flows/support.flow.yaml')
  await expect(view.getByTestId('run-view-flows')).toContainText('flows/support.flow.yaml')
  await expect(view.getByTestId('run-view-flows')).toContainText(/[0-9a-f]{16}/)

  await workbench.runs.markBaseline()
  await workbench.runs.open()
  await expect(workbench.runs.row(newest).getByTestId('runs-row-baseline')).toBeVisible()
  await workbench.screenshotBothThemes('run-history')

  await workbench.runs.delete([previous])
  await expect(workbench.runs.row(previous)).toHaveCount(0)
  await expect(workbench.runs.rows()).toHaveCount(before - 1)
  await expect(workbench.runs.row(newest)).toBeVisible()
  expect(pageErrors).toEqual([])
})

test('a failed run reads back from the history with its failure, expected vs actual, and transcript', async ({ workbench, pageErrors }) => {
  const original = readWorkspaceFile(SUPPORT_TESTS)
  try {
    writeWorkspaceFile(SUPPORT_TESTS, original.replace('Which email address should we use to get back to you?', 'Which phone number should we call you on?'))
    await workbench.tests.runAll()
    await workbench.tests.waitForRunToFinish()
  } finally {
    writeWorkspaceFile(SUPPORT_TESTS, original)
  }
  await workbench.runs.open()
  await workbench.page.getByTestId('runs-filter-outcome').selectOption('failed')
  const view = await workbench.runs.openRun()
  await expect(view.getByTestId('run-view-outcome')).toHaveText('Failed')
  const failure = view.getByTestId('run-view-failure').first()
  await expect(failure).toContainText('login problem')
  await failure.click()
  await expect(view.getByTestId('failure')).toContainText('replies')
  await expect(view.getByTestId('test-transcript')).toBeVisible()
  await workbench.screenshotBothThemes('run-history-failure')
  await workbench.page.getByTestId('runs-filter-outcome').selectOption('')
  expect(pageErrors).toEqual([])
})
