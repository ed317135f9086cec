// Page objects of the workbench, written once and shared by every spec and both projects.
// They speak the UI's language (open a file, run all tests, step back to a turn) and hide selectors.
import { expect, type Locator, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const SCREENSHOTS = resolve(__dirname, '../../../test-results/screenshots')

/** Shows a side bar view; clicking the active one would hide the side bar instead. */
type ActivityName = 'explorer' | 'tests' | 'simulator' | 'plugins'

async function showActivity(page: Page, name: ActivityName): Promise<void> {
  const button = page.getByTestId(`activity-${name}`)
  if ((await button.getAttribute('aria-pressed')) !== 'true') await button.click()
  await expect(button).toHaveAttribute('aria-pressed', 'true')
}

export class Workbench {
  readonly explorer: Explorer
  readonly editor: Editor
  readonly graph: Graph
  readonly problems: Problems
  readonly simulator: Simulator
  readonly tests: TestExplorer
  readonly results: TestResults
  readonly plugins: Plugins

  constructor(readonly page: Page) {
    this.explorer = new Explorer(page)
    this.editor = new Editor(page)
    this.graph = new Graph(page)
    this.problems = new Problems(page)
    this.simulator = new Simulator(page)
    this.tests = new TestExplorer(page)
    this.results = new TestResults(page)
    this.plugins = new Plugins(page)
  }

  get root(): Locator {
    return this.page.locator('[data-app-state]')
  }

  async activity(name: ActivityName): Promise<void> {
    await showActivity(this.page, name)
  }

  async panel(tab: 'problems' | 'simulator' | 'results'): Promise<void> {
    const button = this.page.getByTestId(`panel-tab-${tab}`)
    if (!(await button.isVisible())) await this.page.keyboard.press('Control+j')
    await button.click()
  }

  async theme(): Promise<'light' | 'dark'> {
    return (await this.page.locator('html').getAttribute('data-theme')) === 'dark' ? 'dark' : 'light'
  }

  async setTheme(theme: 'light' | 'dark'): Promise<void> {
    if ((await this.theme()) !== theme) await this.page.getByTestId('toggle-theme').click()
    await expect(this.page.locator(`html[data-theme="${theme}"]`)).toHaveCount(1)
  }

  /** Screenshots the window in the light and the dark theme, leaving the theme as it was. */
  async screenshotBothThemes(name: string): Promise<void> {
    const initial = await this.theme()
    for (const theme of ['light', 'dark'] as const) {
      await this.setTheme(theme)
      await this.screenshot(name)
    }
    await this.setTheme(initial)
  }

  /** Saves a full-window screenshot to test-results/screenshots/<name>-<theme>.png. */
  async screenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOTS, { recursive: true })
    // Let transitions and the graph's fit settle so the picture is what a person sees.
    await this.page.waitForTimeout(400)
    const file = join(SCREENSHOTS, `${name}-${await this.theme()}.png`)
    await this.page.screenshot({ path: file })
    return file
  }
}

export class Explorer {
  constructor(private readonly page: Page) {}

  file(path: string): Locator {
    return this.page.locator(`[data-testid="explorer-file"][data-path="${path}"]`)
  }

  async open(path: string): Promise<void> {
    await showActivity(this.page, 'explorer')
    await this.file(path).click()
    await expect(this.page.getByTestId(`tab-${path}`)).toHaveAttribute('aria-selected', 'true')
  }

  isDirty(path: string): Locator {
    return this.file(path).locator('.dirty')
  }
}

export class Editor {
  constructor(private readonly page: Page) {}

  get host(): Locator {
    return this.page.getByTestId('monaco-host')
  }

  tab(path: string): Locator {
    return this.page.getByTestId(`tab-${path}`)
  }

  /** Monaco is loaded on first use (the largest part of the app): allow it time on a slow machine. */
  async ready(): Promise<void> {
    await expect(this.host.locator('.monaco-editor .view-lines')).toBeVisible({ timeout: 60_000 })
  }

  /** Replaces the whole document, as a paste would (no auto-indent or auto-closing). */
  async replaceAll(text: string): Promise<void> {
    await this.ready()
    await this.host.locator('.view-lines').click()
    await this.page.keyboard.press('ControlOrMeta+a')
    await this.page.keyboard.insertText(text)
  }

  /** Puts the cursor at a line (1-based) via Monaco's "go to line" (Ctrl+G). */
  async goToLine(line: number): Promise<void> {
    await this.host.locator('.view-lines').click()
    await this.page.keyboard.press('Control+g')
    await this.page.keyboard.type(String(line))
    await this.page.keyboard.press('Enter')
  }

  async save(): Promise<void> {
    await this.host.locator('.view-lines').click()
    await this.page.keyboard.press('ControlOrMeta+s')
  }

  isDirty(path: string): Locator {
    return this.tab(path).locator('[data-dirty="true"]')
  }

  /** The line number Monaco shows as the cursor's line. */
  async cursorLine(): Promise<number> {
    const text = await this.host.locator('.line-numbers.active-line-number').first().textContent()
    return Number(text?.trim())
  }

  squiggles(): Locator {
    return this.host.locator('.squiggly-error')
  }
}

export class Graph {
  constructor(private readonly page: Page) {}

  get canvas(): Locator {
    return this.page.getByTestId('flow-graph')
  }

  node(state: string): Locator {
    return this.canvas.locator(`.node[data-state="${state}"]`)
  }

  /** ELK lays the graph out in a worker; on a busy machine that takes a few seconds. */
  async ready(): Promise<void> {
    await expect(this.canvas.locator('.node').first()).toBeVisible({ timeout: 60_000 })
  }

  edge(key: string): Locator {
    return this.canvas.locator(`[data-edge="${key}"]`)
  }

  async overlay(kind: 'none' | 'coverage' | 'test' | 'simulator'): Promise<void> {
    await this.page.getByTestId(`overlay-${kind}`).click()
  }

  async fit(): Promise<void> {
    await this.page.getByTestId('graph-fit').click()
  }

  coverageLegend(): Locator {
    return this.page.getByTestId('graph-coverage')
  }
}

export class Problems {
  constructor(private readonly page: Page) {}

  get items(): Locator {
    return this.page.getByTestId('problem')
  }
}

export class Simulator {
  constructor(private readonly page: Page) {}

  async start(flow: string, profile?: string): Promise<void> {
    await showActivity(this.page, 'simulator')
    await this.page.getByTestId('sim-flow').first().selectOption(flow)
    if (profile) await this.page.getByTestId('sim-profile').first().selectOption({ label: profile })
    await this.page.getByTestId('sim-start').first().click()
    await expect(this.page.getByTestId('sim-turn').first()).toBeVisible()
  }

  async setMocks(yaml: string): Promise<void> {
    await showActivity(this.page, 'simulator')
    await this.page.getByTestId('sim-mocks').fill(yaml)
    const apply = this.page.getByTestId('sim-apply-mocks')
    if (await apply.isEnabled()) await apply.click()
  }

  async send(text: string): Promise<void> {
    const before = await this.turns.count()
    await this.page.getByTestId('sim-input').fill(text)
    await this.page.getByTestId('sim-input').press('Enter')
    await expect(this.turns).toHaveCount(before + 1)
  }

  get turns(): Locator {
    return this.page.getByTestId('sim-turn')
  }

  turn(index: number): Locator {
    return this.page.locator(`[data-testid="sim-turn"][data-turn="${index}"]`)
  }

  lastReplies(): Locator {
    return this.turns.last().getByTestId('sim-reply')
  }

  get inspector(): Locator {
    return this.page.getByTestId('turn-inspector')
  }

  get ended(): Locator {
    return this.page.getByTestId('sim-ended')
  }

  async stepBackTo(index: number): Promise<void> {
    await this.turn(index).hover()
    await this.turn(index).getByTestId('sim-rewind').click()
    await expect(this.turns).toHaveCount(index + 1)
  }

  async saveAsTest(file: string, name: string): Promise<void> {
    await this.page.getByTestId('sim-save-test').click()
    await this.page.getByTestId('save-test-file').selectOption(file)
    await this.page.getByTestId('save-test-name').fill(name)
    await this.page.getByTestId('save-test-submit').click()
    await expect(this.page.getByTestId('save-test-done')).toBeVisible()
  }

  async runSavedTest(): Promise<void> {
    await this.page.getByTestId('save-test-run').click()
  }
}

export class TestExplorer {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await showActivity(this.page, 'tests')
    await expect(this.page.getByTestId('test-explorer')).toBeVisible()
  }

  async runAll(): Promise<void> {
    await this.open()
    await this.page.getByTestId('tests-run-all').click()
  }

  summary(): Locator {
    return this.page.getByTestId('tests-summary')
  }

  async waitForRunToFinish(): Promise<void> {
    await expect(this.summary()).toHaveAttribute('data-running', 'false', { timeout: 60_000 })
  }

  row(name: string): Locator {
    return this.page.locator(`[data-testid="test-row"][data-test="${name}"]`)
  }

  file(file: string): Locator {
    return this.page.locator(`[data-testid="test-file-row"][data-file="${file}"]`)
  }

  async filter(text: string): Promise<void> {
    await this.page.getByTestId('tests-filter').fill(text)
  }
}

export class TestResults {
  constructor(private readonly page: Page) {}

  get panel(): Locator {
    return this.page.getByTestId('test-results')
  }

  get runSummary(): Locator {
    return this.page.getByTestId('run-summary')
  }

  get failures(): Locator {
    return this.page.getByTestId('failure')
  }

  get coverage(): Locator {
    return this.page.getByTestId('coverage-summary')
  }
}

export class Plugins {
  constructor(private readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId('plugins-view')
  }

  async open(): Promise<void> {
    await showActivity(this.page, 'plugins')
    await expect(this.view).toBeVisible()
    await expect(this.view.getByTestId('plugin').first()).toBeVisible()
  }

  /** A plugin's card, by its package name (`flowbench-plugin-…`). */
  plugin(name: string): Locator {
    return this.view.locator(`[data-testid="plugin"][data-plugin="${name}"]`)
  }

  integrations(name: string): Locator {
    return this.plugin(name).getByTestId('plugin-integration')
  }

  get trustBox(): Locator {
    return this.view.getByTestId('plugins-trust')
  }

  async trust(): Promise<void> {
    await this.view.getByTestId('plugins-trust-button').click()
    await expect(this.trustBox).toHaveAttribute('data-trusted', 'true')
  }

  async revokeTrust(): Promise<void> {
    await this.view.getByTestId('plugins-revoke-button').click()
    await expect(this.trustBox).toHaveAttribute('data-trusted', 'false')
  }

  /** Flips a plugin's enable switch and waits for the list to show the change. */
  async setEnabled(name: string, enabled: boolean): Promise<void> {
    const toggle = this.plugin(name).getByTestId('plugin-toggle')
    if ((await toggle.getAttribute('aria-checked')) !== String(enabled)) await toggle.click()
    await expect(toggle).toHaveAttribute('aria-checked', String(enabled))
  }
}
