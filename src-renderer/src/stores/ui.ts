// Owns the workbench chrome: theme, which activity and bottom panel tab are shown, panel sizes,
// and what the flow graph highlights. Persisted to localStorage so a reload keeps the layout.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'

export type ThemePreference = 'light' | 'dark' | 'system'
export type Activity = 'explorer' | 'tests' | 'simulator' | 'runs' | 'load' | 'nlu' | 'quality' | 'server' | 'plugins'
export type PanelTab = 'problems' | 'simulator' | 'results'
/** What the graph colours: nothing, the last run's coverage, a selected test's path, or the simulator's path. */
export type GraphOverlay = 'none' | 'coverage' | 'test' | 'simulator'
export type EditorLayout = 'split' | 'editor' | 'graph'

const STORAGE_KEY = 'flowbench.ui'
export const ACTIVITIES: readonly Activity[] = ['explorer', 'tests', 'simulator', 'runs', 'load', 'nlu', 'quality', 'server', 'plugins']

interface PersistedUi {
  theme: ThemePreference
  activity: Activity
  panelTab: PanelTab
  panelOpen: boolean
  sidebarWidth: number
  panelHeights: Record<PanelTab, number>
  splitRatio: number
  editorLayout: EditorLayout
}

function readPersisted(): Partial<PersistedUi> {
  try {
    const raw = globalThis.localStorage?.getItem(STORAGE_KEY)
    return raw ? (JSON.parse(raw) as Partial<PersistedUi>) : {}
  } catch {
    // A corrupt entry only costs the user their layout, never the app.
    return {}
  }
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v))

const DEFAULT_PANEL_HEIGHTS: Record<PanelTab, number> = { problems: 200, simulator: 400, results: 320 }

export const useUiStore = defineStore('ui', () => {
  const saved = readPersisted()
  const theme = ref<ThemePreference>(saved.theme ?? 'system')
  const systemDark = ref(globalThis.matchMedia?.('(prefers-color-scheme: dark)').matches ?? false)
  const activity = ref<Activity>(ACTIVITIES.includes(saved.activity as Activity) ? (saved.activity as Activity) : 'explorer')
  const sidebarOpen = ref(true)
  const panelTab = ref<PanelTab>(saved.panelTab ?? 'problems')
  const panelOpen = ref<boolean>(saved.panelOpen ?? true)
  const sidebarWidth = ref<number>(clamp(saved.sidebarWidth ?? 280, 180, 520))
  // Each panel tab keeps its own height: a chat needs more room than a list of problems.
  const panelHeights = ref<Record<PanelTab, number>>({ ...DEFAULT_PANEL_HEIGHTS, ...saved.panelHeights })
  const panelHeight = computed(() => panelHeights.value[panelTab.value])
  const splitRatio = ref<number>(clamp(saved.splitRatio ?? 0.5, 0.2, 0.8))
  const editorLayout = ref<EditorLayout>(saved.editorLayout ?? 'split')
  const graphOverlay = ref<GraphOverlay>('none')
  /** The state selected in the graph (kept when switching overlays). */
  const selectedState = ref<string | null>(null)

  const resolvedTheme = computed<'light' | 'dark'>(() =>
    theme.value === 'system' ? (systemDark.value ? 'dark' : 'light') : theme.value,
  )

  const media = globalThis.matchMedia?.('(prefers-color-scheme: dark)')
  media?.addEventListener?.('change', (e) => {
    systemDark.value = e.matches
  })

  watch(
    [theme, activity, panelTab, panelOpen, sidebarWidth, panelHeights, splitRatio, editorLayout],
    () => {
      const data: PersistedUi = {
        theme: theme.value,
        activity: activity.value,
        panelTab: panelTab.value,
        panelOpen: panelOpen.value,
        sidebarWidth: sidebarWidth.value,
        panelHeights: panelHeights.value,
        splitRatio: splitRatio.value,
        editorLayout: editorLayout.value,
      }
      try {
        globalThis.localStorage?.setItem(STORAGE_KEY, JSON.stringify(data))
      } catch {
        // Storage full or disabled: the layout simply is not remembered.
      }
    },
  )

  function toggleTheme(): void {
    theme.value = resolvedTheme.value === 'dark' ? 'light' : 'dark'
  }

  /** Clicking the active activity again hides the side bar, as in VS Code. */
  function selectActivity(next: Activity): void {
    if (activity.value === next && sidebarOpen.value) {
      sidebarOpen.value = false
      return
    }
    activity.value = next
    sidebarOpen.value = true
    if (next === 'simulator') showPanel('simulator')
  }

  /** Shows a side bar view whatever is shown now (links elsewhere in the UI use it). */
  function showActivity(next: Activity): void {
    if (activity.value !== next || !sidebarOpen.value) selectActivity(next)
  }

  function showPanel(tab: PanelTab): void {
    panelTab.value = tab
    panelOpen.value = true
  }

  function togglePanel(): void {
    panelOpen.value = !panelOpen.value
  }

  function setSidebarWidth(px: number): void {
    sidebarWidth.value = clamp(px, 180, 520)
  }
  function setPanelHeight(px: number): void {
    panelHeights.value = { ...panelHeights.value, [panelTab.value]: clamp(px, 120, 900) }
  }
  function setSplitRatio(r: number): void {
    splitRatio.value = clamp(r, 0.2, 0.8)
  }

  return {
    theme,
    resolvedTheme,
    activity,
    sidebarOpen,
    panelTab,
    panelOpen,
    sidebarWidth,
    panelHeight,
    panelHeights,
    splitRatio,
    editorLayout,
    graphOverlay,
    selectedState,
    toggleTheme,
    selectActivity,
    showActivity,
    showPanel,
    togglePanel,
    setSidebarWidth,
    setPanelHeight,
    setSplitRatio,
  }
})
