// Test quality: a transition no test covers shows up as a coverage gap after a run in the
// workbench; tests generated for it are previewed, saved, run, and cover it. Mutation testing of
// a sample flow (a sample of mutants) shows a score and survivors; a survivor opens its line.
// The fault matrix puts a badge on the flow's integration states in the graph.
import { rmSync } from 'node:fs'
import { test, expect } from './fixtures'
import { readWorkspaceFile, SUPPORT_FLOW, workspaceFile, writeWorkspaceFile } from './helpers'

const GENERATED = 'tests/support.generated.test.yaml'

/** The support flow with a billing intent and state that no sample test reaches. */
function withBilling(flow: string): string {
  const next = flow
    .replace('  goodbye:\n    - bye\n', '  billing:\n    - I have a billing question\n    - question about my invoice\n  goodbye:\n    - bye\n')
    .replace('intent_patterns: [greet, help, report_issue, talk_to_human, goodbye]', 'intent_patterns: [greet, help, report_issue, talk_to_human, goodbye, billing]')
    .replace(
      '    transitions:\n      - condition: intent_match\n        condition_value: report_issue\n',
      '    transitions:\n      - condition: intent_match\n        condition_value: billing\n        target_state: billing_info\n        priority: 5\n      - condition: intent_match\n        condition_value: report_issue\n',
    )
    .replace('\nstates:\n', '\nstates:\n  billing_info:\n    type: end\n    config:\n      response_templates:\n        default: Invoices are under Account, then Billing.\n\n')
  if (!next.includes('billing_info:') || !next.includes('condition_value: billing\n') || !next.includes('goodbye, billing]')) throw new Error('the sample support flow changed: update withBilling()')
  return next
}

test('a coverage gap after a run: generate tests for it, save, run them, and the gap is covered', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  const original = readWorkspaceFile(SUPPORT_FLOW)
  rmSync(workspaceFile(GENERATED), { force: true })
  try {
    writeWorkspaceFile(SUPPORT_FLOW, withBilling(original))
    await workbench.tests.runAll()
    await workbench.tests.waitForRunToFinish()

    const view = await workbench.quality.openGaps('support')
    await expect(workbench.quality.flow('support').getByTestId('quality-state-coverage')).toBeVisible()
    const billing = view.locator('[data-testid="gap-item"][data-gap*="billing_info"]')
    await expect(billing).toHaveCount(2) // the state and the transition into it
    await expect(view.locator('[data-testid="gap-item"][data-gap="billing_info"]')).toContainText('no test entered this state')

    // Only the billing gaps: clear the selection, tick the two.
    await view.getByTestId('gaps-check-all').uncheck()
    for (const item of await billing.all()) await item.getByTestId('gap-check').check()
    await workbench.screenshotBothThemes('quality-coverage-gaps')
    await view.getByTestId('gaps-generate').click()
    const yaml = view.getByTestId('gaps-yaml')
    await expect(yaml).toContainText('billing')
    await expect(yaml).toContainText('billing_info')
    await workbench.screenshotBothThemes('quality-generated-preview')

    await view.getByTestId('gaps-save').click()
    await expect(view.getByTestId('gaps-saved')).toContainText(GENERATED)
    await expect(workbench.editor.tab(GENERATED)).toBeVisible()
    expect(readWorkspaceFile(GENERATED)).toContain('billing_info')
    // Saving again does not overwrite silently.
    await view.getByTestId('gaps-save').click()
    await expect(view.getByTestId('gaps-error')).toContainText('already exists')
    await expect(view.getByTestId('gaps-overwrite')).toBeVisible()

    await view.getByTestId('gaps-run').click()
    await workbench.tests.open()
    await workbench.tests.waitForRunToFinish()
    await expect(workbench.tests.file(GENERATED)).toBeVisible()
    // The run's end refreshes the gaps: the billing ones are covered now.
    await expect(billing).toHaveCount(0, { timeout: 30_000 })
    await expect(view.getByTestId('gaps-summary')).toBeVisible()
    await workbench.quality.open()
    await workbench.screenshotBothThemes('quality-sidebar')
  } finally {
    writeWorkspaceFile(SUPPORT_FLOW, original)
    rmSync(workspaceFile(GENERATED), { force: true })
  }
  expect(pageErrors).toEqual([])
})

test('mutation testing a sample of mutants shows a score and survivors; a survivor opens its line', async ({ workbench, pageErrors }) => {
  test.setTimeout(120_000)
  const view = await workbench.quality.openMutation('support')
  await view.getByTestId('mutation-max').fill('30')
  await view.getByTestId('mutation-start').click()
  await expect(view).toHaveAttribute('data-state', 'done', { timeout: 90_000 })
  const score = view.getByTestId('mutation-score')
  await expect(score).toHaveText(/\d+(\.\d)?%/)
  await expect(view.getByTestId('mutation-operators').locator('tbody tr').first()).toBeVisible()
  const survivor = view.getByTestId('mutation-survivor').first()
  await expect(survivor).toBeVisible()
  await expect(workbench.quality.flow('support').getByTestId('quality-mutation-score')).toHaveText(await score.innerText())
  await workbench.screenshotBothThemes('quality-mutation')

  const line = Number((await survivor.getByTestId('mutation-survivor-link').innerText()).replace(/\D/g, ''))
  await survivor.getByTestId('mutation-survivor-link').click()
  await expect(workbench.editor.tab(SUPPORT_FLOW)).toBeVisible()
  await workbench.editor.ready()
  await expect.poll(() => workbench.editor.cursorLine()).toBe(line)
  expect(pageErrors).toEqual([])
})

test('the fault matrix puts a badge on each integration state in the graph', async ({ workbench, pageErrors }) => {
  await workbench.quality.open()
  const run = workbench.quality.sidebar().getByTestId('quality-run-faults')
  await run.click()
  await expect(run).toHaveText(/Run fault matrix/, { timeout: 60_000 })
  await expect(workbench.quality.flow('support').getByTestId('quality-faults')).toBeVisible()
  await expect(workbench.quality.sidebar().getByTestId('quality-fault-figures')).toContainText('reruns')

  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.graph.ready()
  for (const state of ['lookup_customer', 'open_ticket']) {
    const badge = workbench.graph.node(state).getByTestId('graph-fault-badge')
    await expect(badge).toHaveText(/\d\/\d handled/)
    await expect(badge.locator('title')).toContainText('timeout →')
  }
  await workbench.quality.open()
  await workbench.screenshotBothThemes('quality-graph-faults')
  expect(pageErrors).toEqual([])
})
