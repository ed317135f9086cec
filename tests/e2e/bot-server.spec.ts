// The bot server end to end: started from the Server side bar, it answers HTTP requests made from
// outside the workbench (this test, with fetch), and each request appears live in the traces view
// with its status, session and state; the detail pane shows the bodies without the key; the
// sessions tab shows the conversation's context. Screenshots in both themes.
import { test, expect } from './fixtures'

test('bot server: start from the side bar, requests from outside appear live, sessions show their context', async ({ workbench, pageErrors }) => {
  const page = workbench.page
  await page.setViewportSize({ width: 1400, height: 900 })
  if (await page.getByTestId('panel-tab-problems').isVisible()) await page.keyboard.press('Control+j')

  const { url, key } = await workbench.bot.start()
  expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  expect(key.length).toBeGreaterThan(20)
  const view = workbench.bot.view()
  await expect(view).toContainText('No requests yet')

  const headers = { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' }
  const created = await fetch(`${url}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ flow: 'support', user_id: 'e2e' }) })
  expect(created.status).toBe(201)
  const { session_id: id } = (await created.json()) as { session_id: string }
  await expect(workbench.bot.traces()).toHaveCount(1)
  await expect(workbench.bot.traces().first()).toHaveAttribute('data-status', '201')

  const turn = await fetch(`${url}/v1/sessions/${id}/messages`, { method: 'POST', headers, body: JSON.stringify({ text: "I can't log in to my account" }) })
  expect(((await turn.json()) as { state: string }).state).toBe('collect_contact')
  expect((await fetch(`${url}/v1/flows`, { headers: { Authorization: 'Bearer wrong-key' } })).status).toBe(401)

  // Newest first: the refused request, the message, the new session.
  await expect(workbench.bot.traces()).toHaveCount(3)
  await expect(workbench.bot.traces().nth(0)).toHaveAttribute('data-status', '401')
  const message = workbench.bot.traces().nth(1)
  await expect(message).toContainText(`/v1/sessions/${id}/messages`)
  await expect(message).toContainText('collect_contact')
  await expect(message).toContainText(id.slice(0, 8))
  await message.click()
  const detail = view.getByTestId('bot-trace-detail')
  await expect(detail.getByTestId('bot-trace-request')).toContainText("I can't log in to my account")
  await expect(detail.getByTestId('bot-trace-response')).toContainText('"state": "collect_contact"')
  await expect(detail).not.toContainText(key)
  await workbench.screenshotBothThemes('bot-server-requests')

  await view.getByTestId('bot-filter-status').selectOption('4xx')
  await expect(workbench.bot.traces()).toHaveCount(1)
  await view.getByTestId('bot-filter-status').selectOption('all')

  await detail.getByTestId('bot-trace-session').click()
  await expect(view.getByTestId('bot-session-state')).toHaveText('collect_contact')
  await expect(view.getByTestId('bot-session-row')).toHaveCount(1)
  await workbench.screenshotBothThemes('bot-server-sessions')

  await workbench.bot.stop()
  await expect(fetch(`${url}/v1/health`)).rejects.toThrow()
  expect(pageErrors).toEqual([])
})
