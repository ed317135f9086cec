// The NLU dataset format (*.nlu.yaml): one TypeBox definition for the types and the shipped
// resources/schema/nlu-dataset.schema.json (for editors; the dataset loader in
// src-main/core/nlu-eval/dataset.ts checks files itself, naming line and column).
import { Type, type Static } from '@sinclair/typebox'

const doc = (description: string) => ({ description })

export const NluUtteranceSchema = Type.Object(
  {
    text: Type.String({ minLength: 1, pattern: '\\S', ...doc('What the user says, as they would type it.') }),
    intent: Type.String({ minLength: 1, ...doc('The intent it should get; `none` for an utterance the flow should not understand (its fallback).') }),
    entities: Type.Optional(
      Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), doc('Entities it should yield, name → value. Only utterances that list entities are scored for them.')),
    ),
  },
  { additionalProperties: false },
)

export const NluDatasetSchema = Type.Object(
  {
    name: Type.Optional(Type.String(doc('A title for reports (default: the file name).'))),
    flow: Type.Optional(Type.String(doc('The flow this dataset is written for, relative to the workspace root (the workbench preselects it).'))),
    description: Type.Optional(Type.String()),
    utterances: Type.Array(NluUtteranceSchema, { minItems: 1, ...doc('Labelled utterances.') }),
  },
  { additionalProperties: false, ...doc('An NLU evaluation dataset for `flowbench nlu FLOW DATASET` and the NLU view.') },
)

export type NluUtteranceDocument = Static<typeof NluUtteranceSchema>
export type NluDatasetDocument = Static<typeof NluDatasetSchema>
