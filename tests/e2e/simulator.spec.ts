// The conversation simulator: chat to the end with integration mocks, step back and take another
// branch, save the conversation as a test and run it green.
import { test, expect } from './fixtures'
import { SUPPORT_FLOW, SUPPORT_MOCKS, SUPPORT_TESTS } from './helpers'

test('chat through a flow to its end with integration mocks, step back, save as a test and run it', async ({ workbench, pageErrors }) => {
  const sim = workbench.simulator
  await sim.start(SUPPORT_FLOW)
  await sim.setMocks(SUPPORT_MOCKS)
  await expect(sim.lastReplies().first()).toContainText("Hi there! I'm Flo")

  await sim.send("I can't log in to my account")
  await expect(sim.lastReplies().first()).toContainText("What's your name?")
  await expect(sim.inspector).toContainText('report_issue')
  await sim.send('Dana')
  await expect(sim.lastReplies().first()).toContainText('Which email address')
  await sim.send('dana@example.com')
  await expect(sim.lastReplies().last()).toContainText('ticket SUP-20931 is open')
  await expect(sim.inspector.getByTestId('turn-path')).toHaveText(/lookup_customer.*open_ticket.*ticket_created/)
  await expect(sim.inspector).toContainText('crm_lookup')
  await expect(sim.inspector).toContainText('create_ticket')
  await sim.send('no thanks')
  await expect(sim.lastReplies().first()).toContainText('Thanks for contacting Acme support')
  await expect(sim.ended).toBeVisible()
  await workbench.screenshot('simulator')

  // Back to the greeting, then the other branch: straight to a person.
  await sim.stepBackTo(0)
  await expect(sim.ended).toHaveCount(0)
  await sim.send('talk to a human')
  await expect(sim.lastReplies().first()).toContainText("I'm connecting you with a member of our support team")
  await expect(sim.ended).toBeVisible()

  const name = 'e2e: asks for a person right away'
  await sim.saveAsTest(SUPPORT_TESTS, name)
  await workbench.screenshot('save-as-test')
  await sim.runSavedTest()
  await expect(workbench.tests.row(name)).toHaveAttribute('data-status', 'passed', { timeout: 60_000 })
  await expect(workbench.page.getByTestId('result-passed')).toBeVisible()
  expect(pageErrors).toEqual([])
})
