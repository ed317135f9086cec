// `flowbench serve` is private: the API refuses a connection without the page's token, and the
// page opened without it explains what to do instead of showing a blank window.
import { request as httpRequest } from 'node:http'
import { test, expect } from './fixtures'
import { e2eServer } from './server-info'

function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const u = new URL(url)
    const req = httpRequest({
      host: u.hostname,
      port: u.port,
      path: `${u.pathname}${u.search}`,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', Origin: `http://${u.host}` },
    })
    req.on('upgrade', (res, socket) => {
      socket.destroy()
      resolve(res.statusCode ?? 101)
    })
    req.on('response', (res) => {
      res.resume()
      resolve(res.statusCode ?? 0)
    })
    req.on('error', reject)
    req.end()
  })
}

test('a request without the token is refused', async ({ workbench }, testInfo) => {
  test.skip(testInfo.project.name === 'electron', 'the desktop app has no token: it talks to its core over IPC')
  const { url } = e2eServer()
  const origin = new URL(url).origin
  expect(await upgradeStatus(`${origin}/api`)).toBe(401)
  expect(await upgradeStatus(`${origin}/api?token=not-the-token`)).toBe(401)

  const page = await workbench.page.context().newPage()
  await page.goto(`${origin}/`)
  await expect(page.locator('[data-app-state="error"]')).toContainText('Flowbench cannot reach its core')
  await page.screenshot({ path: 'test-results/screenshots/no-token-light.png' })
  await page.close()
})
