// Which component shows each kind of view tab. Views load on first use, like the editor, so the
// workbench starts with only what the first screen needs. Each gets one prop: `params`.
import { defineAsyncComponent, h, type Component } from 'vue'
import PanelState from '../components/PanelState.vue'
import type { ViewKind } from './kinds'

function lazy(loader: () => Promise<{ default: Component }>): Component {
  return defineAsyncComponent({
    loader,
    loadingComponent: { render: () => h(PanelState, { kind: 'loading', title: 'Loading…' }) },
    errorComponent: {
      render: () => h(PanelState, { kind: 'error', title: 'This view could not be loaded', detail: 'Reload the window to try again.' }),
    },
    delay: 0,
  })
}

export const VIEW_COMPONENTS: Record<ViewKind, Component> = {
  run: lazy(() => import('../features/runs/RunView.vue')),
  compare: lazy(() => import('../features/runs/CompareView.vue')),
  load: lazy(() => import('../features/load/LoadView.vue')),
  nlu: lazy(() => import('../features/nlu/NluView.vue')),
  'coverage-gaps': lazy(() => import('../features/quality/CoverageGapsView.vue')),
  mutation: lazy(() => import('../features/quality/MutationView.vue')),
  server: lazy(() => import('../features/server/ServerView.vue')),
}

/** The icon of a view tab. */
export const VIEW_ICONS: Record<ViewKind, 'history' | 'compare' | 'gauge' | 'brain' | 'target' | 'bug' | 'server'> = {
  run: 'history',
  compare: 'compare',
  load: 'gauge',
  nlu: 'brain',
  'coverage-gaps': 'target',
  mutation: 'bug',
  server: 'server',
}
