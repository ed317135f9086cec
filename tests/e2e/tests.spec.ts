// The test explorer: run every sample test green, see coverage on the graph, read a failure.
import { test, expect } from './fixtures'
import { readWorkspaceFile, SUPPORT_FLOW, SUPPORT_TESTS, writeWorkspaceFile } from './helpers'

test('run all sample tests and see them pass, then coverage on the graph', async ({ workbench, pageErrors }) => {
  await workbench.tests.runAll()
  await workbench.tests.waitForRunToFinish()
  await workbench.panel('results')
  await expect(workbench.results.runSummary).toContainText('0 failed')
  await expect(workbench.results.runSummary).toContainText('0 errors')
  for (const file of ['tests/support.test.yaml', 'tests/metrics.test.yaml', 'tests/deploy.test.yaml']) {
    await expect(workbench.tests.file(file)).toHaveAttribute('data-status', 'passed')
  }
  await expect(workbench.results.coverage).toContainText(SUPPORT_FLOW)

  await workbench.results.coverage.getByTestId('coverage-show').last().click()
  await workbench.graph.ready()
  await expect(workbench.graph.coverageLegend()).toContainText('states')
  await expect(workbench.graph.node('greeting')).toHaveAttribute('data-mark', 'covered')
  expect(pageErrors).toEqual([])
})

test('a failing test shows expected vs actual and jumps to its step and state', async ({ workbench }) => {
  const original = readWorkspaceFile(SUPPORT_TESTS)
  try {
    writeWorkspaceFile(SUPPORT_TESTS, original.replace('Which email address should we use to get back to you?', 'Which phone number should we call you on?'))
    await workbench.tests.open()
    await workbench.tests.filter('login problem')
    const row = workbench.tests.row("a login problem becomes a ticket carrying the customer's CRM tier")
    await row.hover()
    await row.getByRole('button', { name: /^Run / }).click()
    await expect(row).toHaveAttribute('data-status', 'failed', { timeout: 60_000 })
    await row.click()
    const failure = workbench.results.failures.first()
    await expect(failure).toContainText('Step 1')
    await expect(failure).toContainText('replies')
    await expect(failure.locator('.removed').first()).toBeVisible()
    await workbench.screenshot('test-failure')

    await failure.getByTestId('goto-step').click()
    await expect(workbench.editor.tab(SUPPORT_TESTS)).toHaveAttribute('aria-selected', 'true')
    await failure.getByTestId('show-state').click()
    await expect(workbench.editor.tab(SUPPORT_FLOW)).toHaveAttribute('aria-selected', 'true')
    await workbench.graph.ready()
    await expect(workbench.graph.node('collect_contact')).toHaveClass(/selected/)
  } finally {
    writeWorkspaceFile(SUPPORT_TESTS, original)
  }
})
