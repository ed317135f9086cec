// Context memory in the simulator: chat with a flow that keeps memory until older turns are
// compressed; the turn inspector shows the tokens against the budget, the compression, the
// summary and the turns kept verbatim.
import { rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, expect } from './fixtures'
import { e2eServer } from './server-info'

const FLOW = 'flows/memory-e2e.flow.yaml'
const FLOW_TEXT = `name: Memory demo
initial_state: chat
settings:
  memory: { max_turns: 2, token_budget: 120 }
intents:
  order_status: [where is my order, my order is late]
entities:
  order: { pattern: "A-\\\\d+" }
states:
  chat:
    type: response
    config:
      response_templates: { default: "Noted: {input}" }
    transitions:
      - { condition: any_input, target_state: chat }
`

test('the turn inspector shows context memory being compressed', async ({ workbench, pageErrors }) => {
  const file = join(e2eServer().workspace, FLOW)
  writeFileSync(file, FLOW_TEXT)
  try {
    const sim = workbench.simulator
    await workbench.activity('simulator')
    await expect(workbench.page.getByTestId('sim-flow').first().locator(`option[value="${FLOW}"]`)).toHaveCount(1, { timeout: 15_000 })
    await sim.start(FLOW)
    const memory = sim.inspector.getByTestId('turn-memory')
    await expect(memory).toBeVisible()
    await expect(memory.getByTestId('memory-tokens')).toHaveText(/^\d+ \/ 120 tokens$/)
    await expect(memory).toContainText('1 / 2 turns verbatim')

    await sim.send('my order A-1042 is late')
    await expect(memory).toContainText('2 / 2 turns verbatim')
    await expect(memory.getByTestId('memory-compressed')).toHaveCount(0)

    // A third turn is one more than max_turns: the older two are compressed into the summary.
    await sim.send('it was due on Monday')
    await expect(memory.getByTestId('memory-compressed')).toHaveText('compressed this turn')
    await expect(memory).toContainText('1 compression · 2 turns summarised')
    await expect(memory.getByTestId('memory-summary')).toContainText('User said: "my order A-1042 is late"')
    await expect(memory.getByTestId('memory-turns').locator('li')).toHaveCount(2)
    await expect(memory.getByTestId('memory-turns')).toContainText('it was due on Monday')
    await workbench.screenshotBothThemes('simulator-memory')

    // Selecting an earlier turn shows the memory as it was then.
    await sim.turn(1).click()
    await expect(memory.getByTestId('memory-compressed')).toHaveCount(0)
    await expect(memory).toContainText('0 compressions')
    expect(pageErrors).toEqual([])
  } finally {
    rmSync(file, { force: true })
  }
})
