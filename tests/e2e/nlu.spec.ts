// The NLU view end to end: the sample support flow on its dataset — accuracy as the CLI computes
// it, a confusion cell listing its utterances, "try an utterance" with every intent's score,
// comparison with cross-validation's numbers — with screenshots in both themes.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { test, expect } from './fixtures'
import { SUPPORT_FLOW } from './helpers'

const DATASET = 'datasets/support.nlu.yaml'
const root = resolve(__dirname, '../..')

/** What `flowbench nlu` says for the same flow and dataset (the view must agree). */
function cliReport(): { summary: { accuracy: number }; confusedPairs: Array<{ expected: string; predicted: string; count: number; examples: string[] }> } {
  const samples = join(root, 'resources/samples')
  const r = spawnSync(process.execPath, [join(root, 'bin/flowbench.mjs'), 'nlu', join(samples, SUPPORT_FLOW), join(samples, DATASET), '--format', 'json'], { encoding: 'utf8' })
  return JSON.parse(r.stdout)
}

test('NLU view: accuracy, confusion cell utterances, try an utterance, compare', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  await page.setViewportSize({ width: 1400, height: 900 })
  // The view needs the room: hide the bottom panel.
  if (await page.getByTestId('panel-tab-problems').isVisible()) await page.keyboard.press('Control+j')
  const expected = cliReport()
  const view = await workbench.nlu.evaluate(SUPPORT_FLOW, DATASET)

  expect(await workbench.nlu.accuracy()).toBeCloseTo(expected.summary.accuracy, 3)
  await expect(view.getByTestId('nlu-intents').locator('tbody tr')).not.toHaveCount(0)
  await expect(view.getByTestId('nlu-suggestion')).toContainText('Suggested')

  const pair = expected.confusedPairs[0]!
  await workbench.nlu.cell(pair.expected, pair.predicted).click()
  await expect(workbench.nlu.utterances()).toHaveCount(pair.count)
  await expect(workbench.nlu.utterances().first()).toContainText(pair.examples[0]!)

  // A diagonal cell lists the utterances recognised right.
  await workbench.nlu.cell('report_issue', 'report_issue').click()
  await expect(view.getByTestId('nlu-cell-utterances')).toContainText('report_issue: recognised')
  await expect(workbench.nlu.utterances().first()).toBeVisible()

  await view.getByTestId('nlu-sort-intent').click()
  await expect(view.getByTestId('nlu-intents').locator('tbody tr').first()).toHaveAttribute('data-testid', 'nlu-intent-affirm')

  const result = await workbench.nlu.tryUtterance("I can't log in to my account")
  await expect(result.getByTestId('nlu-try-intent')).toHaveText('report_issue')
  for (const intent of ['greet', 'help', 'report_issue', 'talk_to_human', 'goodbye', 'affirm', 'deny']) {
    await expect(result.getByTestId(`nlu-score-${intent}`)).toBeVisible()
  }
  await expect(result.getByTestId('nlu-score-report_issue')).toContainText('0.90')
  await workbench.screenshotBothThemes('nlu-view')

  const fallback = await workbench.nlu.tryUtterance('what is the weather like')
  await expect(fallback.getByTestId('nlu-try-intent')).toHaveText('none')

  await view.getByTestId('nlu-compare-target').selectOption(`dataset:datasets/support-handoff.nlu.csv`)
  await view.getByTestId('nlu-compare-run').click()
  await expect(view.getByTestId('nlu-compare-table').locator('tbody tr')).not.toHaveCount(0)
  await view.getByTestId('nlu-compare').scrollIntoViewIfNeeded()
  await workbench.screenshotBothThemes('nlu-compare')

  // Cross-validation of the flow's own examples, from the side bar.
  const cv = await workbench.nlu.evaluate(SUPPORT_FLOW, '')
  await expect(cv).toContainText("5-fold cross-validation of the flow's examples")
  await workbench.screenshotBothThemes('nlu-cross-validation')
  expect(pageErrors).toEqual([])
})
