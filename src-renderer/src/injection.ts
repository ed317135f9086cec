// Values provided once at the app root.
import type { InjectionKey } from 'vue'

/** Why the renderer could not reach the core (null when it could). */
export const CONNECTION_ERROR: InjectionKey<string | null> = Symbol('connectionError')
