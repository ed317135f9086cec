// The graph layout lives in src-main/common/flow-layout.ts: the HTML report draws the same graph.
export * from '../../../../src-main/common/flow-layout'
