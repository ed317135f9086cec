// The flow graph: states and labelled transitions; clicking a state jumps to its definition.
import { test, expect } from './fixtures'
import { readWorkspaceFile, stateLine, SUPPORT_FLOW } from './helpers'

test('use the graph to jump to a state', async ({ workbench, pageErrors }) => {
  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()
  await workbench.graph.ready()
  await expect(workbench.graph.node('greeting')).toContainText('response')
  await expect(workbench.graph.node('lookup_customer')).toContainText('integration')
  await expect(workbench.graph.edge('ticket_created -> goodbye [intent_match deny,goodbye]')).toContainText('intent_match: deny, goodbye · p10')

  await workbench.graph.fit()
  await workbench.graph.node('collect_contact').click()
  const expected = stateLine(readWorkspaceFile(SUPPORT_FLOW), 'collect_contact')
  await expect.poll(() => workbench.editor.cursorLine()).toBe(expected)
  await expect(workbench.graph.node('collect_contact')).toHaveClass(/selected/)
  expect(pageErrors).toEqual([])
})

test('the graph is keyboard-friendly', async ({ workbench }) => {
  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()
  await workbench.graph.node('help_menu').focus()
  await workbench.page.keyboard.press('Enter')
  const expected = stateLine(readWorkspaceFile(SUPPORT_FLOW), 'help_menu')
  await expect.poll(() => workbench.editor.cursorLine()).toBe(expected)
})
