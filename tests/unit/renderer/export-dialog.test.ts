// @vitest-environment happy-dom
// The export button and dialog over the fake client: formats, redaction on by default with a
// preview of what it will replace, extra patterns, turning it off, the download through a Blob
// link (text and base64 formats), and errors from the core shown in the dialog.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError, type ExportOptions } from '../../../src-main/common/api'
import ExportRunButton from '../../../src-renderer/src/features/runs/ExportRunButton.vue'
import { installFake, settle } from './fixtures'

let wrapper: VueWrapper | undefined
const downloads: Array<{ name: string; href: string }> = []
const blobs: Blob[] = []

beforeEach(() => {
  downloads.length = 0
  blobs.length = 0
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
  URL.createObjectURL = vi.fn((b: Blob) => {
    blobs.push(b)
    return `blob:report-${blobs.length}`
  })
  URL.revokeObjectURL = vi.fn()
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    downloads.push({ name: this.download, href: this.href })
  })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  vi.useRealTimers()
  vi.restoreAllMocks()
  document.body.innerHTML = ''
})

const RUN = '20261122-090000-bbbb'

function handlers(overrides: Record<string, unknown> = {}) {
  const exports: Array<{ id: string; options: ExportOptions }> = []
  const previews: Array<string[] | undefined> = []
  return {
    exports,
    previews,
    reports: {
      previewRedaction: async (_id: string, patterns?: string[]) => {
        previews.push(patterns)
        return { redactions: patterns?.length ? { email: 2, phone: 1, order: 3 } : { email: 2, phone: 1 }, configured: ['member'] }
      },
      export: async (id: string, options: ExportOptions) => {
        exports.push({ id, options })
        if (options.format === 'pdf') return { fileName: 'flowbench-run.pdf', mimeType: 'application/pdf', encoding: 'base64' as const, content: btoa('%PDF-1.4 x'), redactions: {} }
        return { fileName: `flowbench-run.${options.format}`, mimeType: 'text/html', encoding: 'utf8' as const, content: '<!doctype html><title>r</title>', redactions: { email: 2 } }
      },
      ...overrides,
    },
  }
}

async function open(h = handlers()) {
  installFake({ reports: h.reports as never })
  wrapper = mount(ExportRunButton, { props: { runId: RUN }, attachTo: document.body })
  await wrapper.find('[data-testid="export-run"]').trigger('click')
  await settle(10)
  return { h, w: wrapper }
}

const byId = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`)

describe('the export dialog', () => {
  it('opens with HTML chosen, redaction on and a count of what will be redacted', async () => {
    const { h, w } = await open()
    expect(byId(w, 'export-dialog').exists()).toBe(true)
    expect((byId(w, 'export-format').element as HTMLSelectElement).value).toBe('html')
    expect(byId(w, 'export-format').findAll('option').map((o) => o.attributes('value'))).toEqual(['html', 'junit', 'json', 'md', 'pdf'])
    expect((byId(w, 'export-redact').element as HTMLInputElement).checked).toBe(true)
    expect(h.previews).toEqual([[]])
    expect(byId(w, 'export-preview').text()).toContain('Will replace 2 email addresses, 1 phone number.')
    expect(byId(w, 'export-preview').text()).toContain('Configured in flowbench.json: member.')
  })

  it('counts again with extra patterns, and exports with them', async () => {
    const { h, w } = await open()
    await byId(w, 'export-patterns').setValue('order=ORD-\\d+\n\n')
    vi.advanceTimersByTime(400)
    await settle(10)
    expect(h.previews.at(-1)).toEqual(['order=ORD-\\d+'])
    expect(byId(w, 'export-preview').text()).toContain('3 order values')
    await byId(w, 'export-submit').trigger('click')
    await settle(10)
    expect(h.exports).toEqual([{ id: RUN, options: { format: 'html', redact: true, patterns: ['order=ORD-\\d+'] } }])
  })

  it('downloads the report through a Blob link named by the core', async () => {
    const { w } = await open()
    await byId(w, 'export-format').setValue('md')
    await byId(w, 'export-submit').trigger('click')
    await settle(10)
    expect(downloads).toEqual([{ name: 'flowbench-run.md', href: 'blob:report-1' }])
    expect(await blobs[0]!.text()).toBe('<!doctype html><title>r</title>')
    expect(byId(w, 'export-done').text()).toContain('flowbench-run.md')
  })

  it('decodes a base64 PDF into bytes', async () => {
    const { w } = await open()
    await byId(w, 'export-format').setValue('pdf')
    await byId(w, 'export-submit').trigger('click')
    await settle(10)
    expect(downloads[0]!.name).toBe('flowbench-run.pdf')
    expect(blobs[0]!.type).toBe('application/pdf')
    expect(new TextDecoder().decode(await blobs[0]!.arrayBuffer())).toBe('%PDF-1.4 x')
  })

  it('warns when redaction is turned off and exports without it', async () => {
    const { h, w } = await open()
    await byId(w, 'export-redact').setValue(false)
    expect(byId(w, 'export-unredacted').text()).toContain('personal data included')
    expect(byId(w, 'export-patterns').exists()).toBe(false)
    await byId(w, 'export-submit').trigger('click')
    await settle(10)
    expect(h.exports[0]!.options).toEqual({ format: 'html', redact: false, patterns: [] })
  })

  it('shows a bad pattern\'s message and blocks the export until it is fixed', async () => {
    const h = handlers({
      previewRedaction: async (_id: string, patterns?: string[]) => {
        if (patterns?.includes('(')) throw new ApiError('bad_request', 'pattern "(": not a valid regular expression')
        return { redactions: {}, configured: [] }
      },
    })
    const { w } = await open(h)
    expect(byId(w, 'export-preview').text()).toContain('Nothing to redact found')
    await byId(w, 'export-patterns').setValue('(')
    vi.advanceTimersByTime(400)
    await settle(10)
    expect(byId(w, 'export-preview').text()).toContain('not a valid regular expression')
    expect(byId(w, 'export-submit').attributes('disabled')).toBeDefined()
  })

  it('shows an export failure in the dialog', async () => {
    const { w } = await open(handlers({ export: async () => { throw new ApiError('not_found', 'PDF reports are printed by Chromium, and none was found') } }))
    await byId(w, 'export-submit').trigger('click')
    await settle(10)
    expect(byId(w, 'export-error').text()).toContain('none was found')
    expect(downloads).toEqual([])
  })
})
