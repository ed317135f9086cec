// monaco-yaml's language worker, bundled through our own entry: Vite fails to load it when the
// package file is referenced directly as a `?worker` (monaco-yaml FAQ "Why doesn't it work with Vite?").
import 'monaco-yaml/yaml.worker.js'
