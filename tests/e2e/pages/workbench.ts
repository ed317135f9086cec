// Page objects of the workbench, written once and shared by every spec and both projects.
// They speak the UI's language (open a file, run all tests, step back to a turn) and hide selectors.
import { expect, type Locator, type Page } from '@playwright/test'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'

const SCREENSHOTS = resolve(__dirname, '../../../test-results/screenshots')

/** Shows a side bar view; clicking the active one would hide the side bar instead. */
type ActivityName = 'explorer' | 'tests' | 'simulator' | 'plugins' | 'runs' | 'nlu' | 'server' | 'load' | 'quality'

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
  readonly runs: RunHistory
  readonly reports: RunReports
  readonly nlu: NluEvaluation
  readonly bot: BotServer
  readonly load: LoadDashboard
  readonly quality: TestQuality

  constructor(readonly page: Page) {
    this.explorer = new Explorer(page)
    this.editor = new Editor(page)
    this.graph = new Graph(page)
    this.problems = new Problems(page)
    this.simulator = new Simulator(page)
    this.tests = new TestExplorer(page)
    this.results = new TestResults(page)
    this.plugins = new Plugins(page)
    this.runs = new RunHistory(page)
    this.reports = new RunReports(page)
    this.nlu = new NluEvaluation(page)
    this.bot = new BotServer(page)
    this.load = new LoadDashboard(page)
    this.quality = new TestQuality(page)
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

/** The Run history side bar and the run view it opens. */
export class RunHistory {
  constructor(private readonly page: Page) {}

  async open(): Promise<void> {
    await showActivity(this.page, 'runs')
    await expect(this.page.getByTestId('runs-sidebar')).toBeVisible()
  }

  rows(): Locator {
    return this.page.getByTestId('runs-row')
  }

  row(id: string): Locator {
    return this.page.locator(`[data-testid="runs-row"][data-run-id="${id}"]`)
  }

  /** Opens a run (by id, else the newest) as a view tab and waits for its header. */
  async openRun(id?: string): Promise<Locator> {
    await this.open()
    await (id ? this.row(id) : this.rows().first()).click()
    const view = this.view()
    await expect(view.getByTestId('run-view-outcome')).toBeVisible()
    return view
  }

  view(): Locator {
    return this.page.getByTestId('run-view')
  }

  async markBaseline(): Promise<void> {
    await this.view().getByTestId('run-view-toggle-baseline').click()
    await expect(this.view().getByTestId('run-view-baseline')).toBeVisible()
  }

  /** Checks the rows of these runs and deletes them, confirming the dialog. */
  async delete(ids: string[]): Promise<void> {
    await this.open()
    for (const id of ids) await this.row(id).getByTestId('runs-row-select').check()
    await this.page.getByTestId('runs-delete').click()
    await this.page.getByTestId('runs-delete-confirm').click()
  }
}

/** The NLU activity and its evaluation view (features/nlu). */
export class NluEvaluation {
  constructor(private readonly page: Page) {}

  /** Picks a flow and a dataset ('' = cross-validation) in the side bar and opens the evaluation. */
  async evaluate(flow: string, dataset: string): Promise<Locator> {
    await showActivity(this.page, 'nlu')
    const sidebar = this.page.getByTestId('nlu-sidebar')
    await expect(sidebar.getByTestId('nlu-flow').locator(`option[value="${flow}"]`)).toHaveCount(1)
    await sidebar.getByTestId('nlu-flow').selectOption(flow)
    await sidebar.getByTestId('nlu-dataset').selectOption(dataset)
    await sidebar.getByTestId('nlu-open').click()
    const view = this.view()
    await expect(view.getByTestId('nlu-accuracy')).toBeVisible({ timeout: 30_000 })
    return view
  }

  view(): Locator {
    return this.page.getByTestId('nlu-view')
  }

  /** The accuracy card's figure as a fraction (e.g. 0.625). */
  async accuracy(): Promise<number> {
    const text = (await this.view().getByTestId('nlu-accuracy').locator('b').textContent()) ?? ''
    return Number(text.replace('%', '').trim()) / 100
  }

  cell(expected: string, predicted: string): Locator {
    return this.view().getByTestId(`nlu-cell-${expected}-${predicted}`)
  }

  utterances(): Locator {
    return this.view().getByTestId('nlu-cell-utterances').getByTestId('nlu-utterance')
  }

  async tryUtterance(text: string): Promise<Locator> {
    const box = this.view().getByTestId('nlu-try')
    await box.getByTestId('nlu-try-input').fill(text)
    await box.getByTestId('nlu-try-submit').click()
    const result = box.getByTestId('nlu-try-result')
    await expect(result).toBeVisible()
    return result
  }
}

/** The Server activity: the bot server (HTTP API over the engine) and its live request traces. */
export class BotServer {
  constructor(private readonly page: Page) {}

  sidebar(): Locator {
    return this.page.getByTestId('server-sidebar')
  }

  view(): Locator {
    return this.page.getByTestId('server-view')
  }

  /** Starts the server from the side bar (any free port, a generated key); the traces view opens. */
  async start(): Promise<{ url: string; key: string }> {
    await showActivity(this.page, 'server')
    const bar = this.sidebar()
    await bar.getByTestId('bot-start').click()
    await expect(bar.getByTestId('bot-running')).toBeVisible()
    await bar.getByTestId('bot-key-toggle').click()
    const url = (await bar.getByTestId('bot-url').textContent())?.trim() ?? ''
    const key = (await bar.getByTestId('bot-key').textContent())?.trim() ?? ''
    await bar.getByTestId('bot-key-toggle').click()
    await expect(this.view()).toBeVisible()
    return { url, key }
  }

  async stop(): Promise<void> {
    await showActivity(this.page, 'server')
    await this.sidebar().getByTestId('bot-stop').click()
    await expect(this.sidebar().getByTestId('bot-stopped')).toBeVisible()
  }

  traces(): Locator {
    return this.view().getByTestId('bot-trace-row')
  }
}

/** Comparing runs and exporting reports from the run view (features/runs). */
export class RunReports {
  constructor(private readonly page: Page) {}

  /** From the open run view: "Compare with…" another run; waits for the comparison's verdict. */
  async compareWith(id: string): Promise<Locator> {
    await this.page.getByTestId('run-view').getByTestId('run-view-compare-with').click()
    await this.page.getByTestId('run-view-pick-list').locator(`[data-run-id="${id}"]`).click()
    const view = this.page.getByTestId('compare-view')
    await expect(view.getByTestId('compare-verdict')).toBeVisible()
    return view
  }

  /** Opens the export dialog of the open run view. */
  async openExport(): Promise<Locator> {
    await this.page.getByTestId('run-view').getByTestId('export-run').click()
    const dialog = this.page.getByTestId('export-dialog')
    await expect(dialog).toBeVisible()
    return dialog
  }

  /** Exports in a format from the open dialog and answers the downloaded file's path and name. */
  async export(format: 'html' | 'junit' | 'json' | 'md' | 'pdf'): Promise<{ path: string; name: string }> {
    await this.page.getByTestId('export-format').selectOption(format)
    const [download] = await Promise.all([this.page.waitForEvent('download'), this.page.getByTestId('export-submit').click()])
    const path = await download.path()
    return { path, name: download.suggestedFilename() }
  }
}

/** The Load activity and the performance dashboard of a scenario (features/load). */
export class LoadDashboard {
  constructor(private readonly page: Page) {}

  get view(): Locator {
    return this.page.getByTestId('load-view')
  }

  /** A chart of the live run or of the report ('throughput' | 'latency' | 'errors' | 'memory'). */
  chart(id: 'throughput' | 'latency' | 'errors' | 'memory'): Locator {
    return this.view.getByTestId(`load-chart-${id}`)
  }

  /** Opens the dashboard of a scenario from the Load side bar. */
  async open(scenario: string): Promise<Locator> {
    await showActivity(this.page, 'load')
    await this.page.getByTestId('load-scenarios').locator(`[data-scenario="${scenario}"]`).click()
    await expect(this.view).toHaveAttribute('data-scenario', scenario)
    return this.view
  }

  /** Fills the overrides (empty ones stay as the scenario says) and starts a run. */
  async start(overrides: { rate?: number; durationS?: number; workers?: number; seed?: number }): Promise<void> {
    const fill = async (testId: string, value: number | undefined) => {
      if (value !== undefined) await this.view.getByTestId(testId).fill(String(value))
    }
    await fill('load-override-rate', overrides.rate)
    await fill('load-override-duration', overrides.durationS)
    await fill('load-override-workers', overrides.workers)
    await fill('load-override-seed', overrides.seed)
    await this.view.getByTestId('load-start').click()
    await expect(this.view).toHaveAttribute('data-state', 'running')
  }

  /** How many seconds a chart has drawn. */
  async points(id: 'throughput' | 'latency' | 'errors' | 'memory'): Promise<number> {
    return Number(await this.chart(id).getAttribute('data-points'))
  }
}

/** The Test quality activity (features/quality): coverage gaps with generated tests, mutation testing. */
export class TestQuality {
  constructor(private readonly page: Page) {}

  sidebar(): Locator {
    return this.page.getByTestId('quality-sidebar')
  }

  async open(): Promise<void> {
    await showActivity(this.page, 'quality')
    await expect(this.sidebar()).toBeVisible()
  }

  /** A flow's row in the side bar, by its file name without `.flow.yaml`. */
  flow(name: string): Locator {
    return this.sidebar().getByTestId(`quality-flow-${name}`)
  }

  /** Opens the coverage gaps of a flow from the side bar; answers the view once it has read the coverage. */
  async openGaps(name: string): Promise<Locator> {
    await this.open()
    await this.flow(name).getByTestId('quality-open-gaps').click()
    const view = this.page.locator(`[data-testid="coverage-gaps-view"][data-flow$="/${name}.flow.yaml"]`)
    await expect(view.getByTestId('gaps-summary')).toBeVisible({ timeout: 30_000 })
    return view
  }

  /** Opens the mutation view of a flow from the side bar. */
  async openMutation(name: string): Promise<Locator> {
    await this.open()
    await this.flow(name).getByTestId('quality-open-mutation').click()
    const view = this.page.locator(`[data-testid="mutation-view"][data-flow$="/${name}.flow.yaml"]`)
    await expect(view).toBeVisible()
    return view
  }
}
