// Editing a flow: the engine's diagnostics appear while typing, go away when fixed; Ctrl+S saves.
import { test, expect } from './fixtures'
import { lineOf, readWorkspaceFile, stateLine, SUPPORT_FLOW, writeWorkspaceFile } from './helpers'

test('break a flow, see the diagnostic, fix it and save', async ({ workbench, pageErrors }) => {
  const original = readWorkspaceFile(SUPPORT_FLOW)
  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()
  await workbench.panel('problems')
  await expect(workbench.problems.items).toHaveCount(0)

  // ticket_created -> goodbye becomes ticket_created -> goodbyex, a state that does not exist.
  const line = lineOf(original, /^\s+target_state: goodbye$/)
  await workbench.editor.goToLine(line)
  await workbench.page.keyboard.press('End')
  await workbench.page.keyboard.type('x')

  await expect(workbench.problems.items.first()).toContainText('goodbyex')
  await expect(workbench.problems.items.first()).toContainText(`${SUPPORT_FLOW}:${line}:`)
  await expect(workbench.editor.squiggles().first()).toBeVisible()
  await expect(workbench.editor.isDirty(SUPPORT_FLOW)).toHaveCount(1)
  await expect(workbench.explorer.isDirty(SUPPORT_FLOW)).toHaveCount(1)
  await workbench.screenshot('problems')

  await workbench.page.keyboard.press('Backspace')
  await expect(workbench.problems.items).toHaveCount(0)
  await workbench.editor.save()
  await expect(workbench.editor.isDirty(SUPPORT_FLOW)).toHaveCount(0)
  expect(readWorkspaceFile(SUPPORT_FLOW)).toBe(original)
  expect(pageErrors).toEqual([])
})

test('a flow changed on disk is picked up by the editor', async ({ workbench }) => {
  const original = readWorkspaceFile(SUPPORT_FLOW)
  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()
  await workbench.panel('problems')
  writeWorkspaceFile(SUPPORT_FLOW, original.replace(/^(\s+target_state: )goodbye$/m, '$1nowhere'))
  await expect(workbench.problems.items.first()).toContainText('nowhere')
  writeWorkspaceFile(SUPPORT_FLOW, original)
  await expect(workbench.problems.items).toHaveCount(0)
  await expect(workbench.editor.isDirty(SUPPORT_FLOW)).toHaveCount(0)
})

test('go to definition and rename a state everywhere in the flow', async ({ workbench, pageErrors }) => {
  const original = readWorkspaceFile(SUPPORT_FLOW)
  await workbench.explorer.open(SUPPORT_FLOW)
  await workbench.editor.ready()

  // From a transition's target to the state's definition (F12).
  await workbench.editor.goToLine(lineOf(original, /^\s+target_state: goodbye$/))
  await workbench.page.keyboard.press('End')
  await workbench.page.keyboard.press('F12')
  await expect.poll(() => workbench.editor.cursorLine()).toBe(stateLine(original, 'goodbye'))

  // Rename it (F2): the definition and every target_state follow.
  await workbench.page.keyboard.press('F2')
  const input = workbench.page.locator('.rename-box input, .rename-input')
  await expect(input.first()).toBeVisible()
  await input.first().fill('farewell')
  await input.first().press('Enter')
  await expect(workbench.editor.isDirty(SUPPORT_FLOW)).toHaveCount(1)
  await workbench.editor.save()
  await expect(workbench.editor.isDirty(SUPPORT_FLOW)).toHaveCount(0)
  const renamed = readWorkspaceFile(SUPPORT_FLOW)
  const references = original.match(/target_state: goodbye$/gm)!.length
  expect(renamed.match(/target_state: farewell$/gm)).toHaveLength(references)
  expect(renamed).toMatch(/^ {2}farewell:/m)
  expect(renamed).not.toMatch(/target_state: goodbye$/m)

  // One undo takes the whole rename back.
  await workbench.page.keyboard.press('ControlOrMeta+z')
  await workbench.editor.save()
  await expect.poll(() => readWorkspaceFile(SUPPORT_FLOW)).toBe(original)
  expect(pageErrors).toEqual([])
})
