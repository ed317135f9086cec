// The Plugins view on the sample workspace: its metrics-translator plugin is listed as untrusted
// until the workspace is trusted, then loaded and answering the ops copilot's metrics_query in the
// simulator with no mock; revoking trust stops that at the next turn. Screenshots in both themes.
import { mkdirSync, rmSync } from 'node:fs'
import { test, expect } from './fixtures'
import { workspaceFile, writeWorkspaceFile } from './helpers'

const METRICS_PLUGIN = 'flowbench-plugin-metrics-translator'
const HTTP_PLUGIN = 'flowbench-plugin-http'
const METRICS_FLOW = 'flows/metrics.flow.yaml'

test('trusting the workspace runs its plugin in the simulator; revoking stops it', async ({ workbench, pageErrors }) => {
  const { plugins, simulator, page } = workbench
  await plugins.open()
  await expect(plugins.trustBox).toHaveAttribute('data-trusted', 'false')
  await expect(plugins.trustBox).toContainText('Restricted mode')
  await expect(plugins.plugin(METRICS_PLUGIN)).toHaveAttribute('data-status', 'untrusted')
  await expect(plugins.plugin(METRICS_PLUGIN).getByTestId('plugin-status')).toHaveText('Untrusted')
  await expect(plugins.integrations(METRICS_PLUGIN)).toHaveText(['metrics_query'])
  await expect(plugins.plugin(HTTP_PLUGIN)).toHaveAttribute('data-status', 'loaded')
  await workbench.screenshotBothThemes('16-plugins-untrusted')

  try {
    await plugins.trust()
    await expect(plugins.plugin(METRICS_PLUGIN)).toHaveAttribute('data-status', 'loaded')
    await expect(plugins.plugin(METRICS_PLUGIN).getByTestId('plugin-status')).toHaveText('Loaded')
    await expect(plugins.integrations(METRICS_PLUGIN)).toHaveText(['metrics_query'])
    await workbench.screenshotBothThemes('17-plugins-trusted')

    // No mock for metrics_query: the plugin answers.
    await simulator.start(METRICS_FLOW)
    await expect(page.getByTestId('sim-mocks')).toHaveValue('')
    await simulator.send('show me CPU usage for auth-service over the last hour')
    await expect(simulator.lastReplies().first()).toHaveText(/^CPU usage for auth-service, last 1h: \d+% now, peak \d+%, average \d+%\.$/)
    await simulator.turns.last().click()
    await expect(simulator.inspector).toContainText('metrics_query')
    await workbench.screenshotBothThemes('18-simulator-plugin-answer')

    // Revoked: the same conversation's next question no longer reaches the plugin.
    await plugins.open()
    await plugins.revokeTrust()
    await expect(plugins.plugin(METRICS_PLUGIN)).toHaveAttribute('data-status', 'untrusted')
    await simulator.send('show me memory usage for auth-service over the last hour')
    await expect(simulator.lastReplies().first()).toContainText("the metrics backend didn't answer")
  } finally {
    // The specs share one workspace and app state: leave it untrusted, as the others expect.
    await plugins.open()
    if ((await plugins.trustBox.getAttribute('data-trusted')) === 'true') await plugins.revokeTrust()
  }
  expect(pageErrors).toEqual([])
})

test('a plugin switched off is listed as disabled, and can be switched on again', async ({ workbench, pageErrors }) => {
  const { plugins } = workbench
  await plugins.open()
  await plugins.setEnabled(HTTP_PLUGIN, false)
  await expect(plugins.plugin(HTTP_PLUGIN)).toHaveAttribute('data-status', 'disabled')
  // Remembered: a reload of the page shows it off still.
  await workbench.page.reload()
  await workbench.page.locator('[data-app-state="loaded"]').waitFor()
  await plugins.open()
  await expect(plugins.plugin(HTTP_PLUGIN)).toHaveAttribute('data-status', 'disabled')
  await plugins.setEnabled(HTTP_PLUGIN, true)
  await expect(plugins.plugin(HTTP_PLUGIN)).toHaveAttribute('data-status', 'loaded')
  expect(pageErrors).toEqual([])
})

test('a plugin added with a problem shows up with what is wrong, and goes when removed', async ({ workbench, pageErrors }) => {
  const { plugins } = workbench
  await plugins.open()
  const unbuilt = 'flowbench-plugin-crm-lookup'
  mkdirSync(workspaceFile('plugins/crm-lookup'), { recursive: true })
  try {
    // Written while the view is open: the core notices the change under plugins/ and the list follows.
    writeWorkspaceFile(
      'plugins/crm-lookup/package.json',
      JSON.stringify({ name: unbuilt, version: '0.1.0', type: 'module', main: 'dist/index.js', flowbench: { apiVersion: 1, integrations: ['crm_lookup'] } }, null, 2),
    )
    await expect(plugins.plugin(unbuilt)).toHaveAttribute('data-status', 'error')
    await expect(plugins.plugin(unbuilt).getByTestId('plugin-error')).toHaveText(
      `plugin "${unbuilt}": the entry "dist/index.js" does not exist; build the plugin (e.g. npm run build), since a plugin ships its JavaScript`,
    )
    await workbench.screenshotBothThemes('19-plugins-problem')
  } finally {
    rmSync(workspaceFile('plugins/crm-lookup'), { recursive: true, force: true })
  }
  await expect(plugins.plugin(unbuilt)).toHaveCount(0)
  expect(pageErrors).toEqual([])
})
