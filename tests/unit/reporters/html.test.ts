import { describe, expect, it } from 'vitest'
import { escapeHtml, renderHtml } from '../../../src-main/core/reporters/html'
import { sampleReport } from './sample'

const html = renderHtml(sampleReport())

describe('HTML report', () => {
  it('is one self-contained page: nothing to load from anywhere', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true)
    expect(html).not.toMatch(/https?:\/\//i)
    expect(html).not.toMatch(/<link\b/i)
    expect(html).not.toMatch(/<script[^>]*\bsrc=/i)
    expect(html).not.toMatch(/<img\b/i)
    expect(html).not.toMatch(/@import|url\(/i)
    expect(html).toContain('<style>')
  })

  it('shows the totals, each failure with expected and actual, the transcript and coverage', () => {
    expect(html).toContain('Flowbench test report')
    expect(html).toContain('help_response')
    expect(html).toContain('fallback_response')
    expect(html).toContain('tests/support.test.yaml:15:9')
    expect(html).toContain('Conversation (2 turns)')
    expect(html).toContain('nlu_strict')
    expect(html).toContain('tests/broken.test.yaml:3:5')
    expect(html).toContain('flows/support.flow.yaml')
    expect(html).toContain('greeting -&gt; goodbye [intent_match bye]')
    expect(html).toContain('75.0%')
  })

  it('escapes what the tests and the bot wrote', () => {
    expect(html).toContain('falls back &lt;badly&gt; &amp; &quot;loudly&quot;')
    expect(html).not.toContain('<badly>')
    expect(html).toContain('nothing &lt;matched&gt;')
    expect(escapeHtml(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;')
  })
})
