// The pure layer: types and schemas shared by the core, the hosts and the renderer.
export * from './flow-schema'
export * from './test-schema'
export * from './turn'
export * from './plugin-api'
