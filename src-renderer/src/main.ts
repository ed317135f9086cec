// Renderer entry: connects to the core once, then mounts the workbench. When no core can be
// reached (a page opened without the serve token), the app shows why instead of a blank page.
import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { useApi } from './api'
import { CONNECTION_ERROR } from './injection'
import './styles/theme.css'
import './styles/base.css'

let connectionError: string | null = null
try {
  useApi()
} catch (err) {
  connectionError = err instanceof Error ? err.message : String(err)
}

const app = createApp(App)
app.use(createPinia())
app.provide(CONNECTION_ERROR, connectionError)
app.config.errorHandler = (err, _instance, info) => {
  // Surfaces in the status bar instead of failing silently; the console keeps the stack.
  console.error(`flowbench: ${info}`, err)
  window.dispatchEvent(new CustomEvent('flowbench:ui-error', { detail: err instanceof Error ? err.message : String(err) }))
}
app.mount('#app')
