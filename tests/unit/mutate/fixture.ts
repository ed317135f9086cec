// A small workspace written to a temp folder: a flow with an integration (with and without a
// failure branch), a condition, a slot-filling state, intents, and tests of varying strength.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export const FLOW = `name: Orders
initial_state: greet
intents:
  order: [I want to order, order please, buy something]
  status: [where is my order, order status]
  bye: [bye, goodbye]
states:
  greet:
    type: response
    config:
      response_templates:
        default: Hello! Order or status?
    transitions:
      - condition: intent_match
        condition_value: order
        target_state: ask_item
      - condition: intent_match
        condition_value: status
        target_state: lookup
      - condition: intent_match
        condition_value: bye
        target_state: done
      - condition: fallback
        target_state: greet
        priority: 999
  ask_item:
    type: slot_filling
    config:
      required_slots: [item]
      prompts:
        item: Which item?
    transitions:
      - condition: all_slots_filled
        target_state: check_qty
  check_qty:
    type: condition
    config:
      conditions:
        - { left: "{slots.item}", operator: eq, right: "pizza" }
    transitions:
      - condition: condition_true
        target_state: confirm
      - condition: condition_false
        target_state: done
  confirm:
    type: response
    config:
      response_templates:
        default: One {slots.item} coming up.
  lookup:
    type: integration
    config:
      integration_id: orders_api
      response_mapping:
        where: data.where
    transitions:
      - condition: integration_success
        target_state: status_reply
  status_reply:
    type: response
    config:
      response_templates:
        default: "Your order is {variables.where}."
  done:
    type: end
    config:
      response_templates:
        default: Bye.
`

export const TESTS = `flow: ../flows/orders.flow.yaml
mocks:
  integrations:
    orders_api:
      - respond: { status_code: 200, data: { data: { where: on the way } } }
tests:
  - name: orders a pizza
    steps:
      - expect: { reply: "Hello! Order or status?" }
      - user: I want to order
        expect: { state: ask_item, reply: Which item? }
      - user: pizza
        expect: { state: confirm, reply: One pizza coming up. }
  - name: asks for status
    steps:
      - user: where is my order
        expect: { state: status_reply }
  - name: says bye
    steps:
      - user: bye
`

export interface Fixture {
  root: string
  dispose(): void
}

export function writeFixture(tests = TESTS, flow = FLOW): Fixture {
  const root = mkdtempSync(join(tmpdir(), 'flowbench-quality-'))
  mkdirSync(join(root, 'flows'))
  mkdirSync(join(root, 'tests'))
  writeFileSync(join(root, 'flowbench.json'), '{}')
  writeFileSync(join(root, 'flows/orders.flow.yaml'), flow)
  writeFileSync(join(root, 'tests/orders.test.yaml'), tests)
  return { root, dispose: () => rmSync(root, { recursive: true, force: true }) }
}
