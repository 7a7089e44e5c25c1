import { getNullableType, isInputObjectType, isListType, type GraphQLField, type GraphQLInputType } from 'graphql';
import type { CostModel } from './schema-costs';

/** The weights of the arguments given to a field, and of the input fields given inside them, at any depth. */
export function argumentsCost(model: CostModel, field: GraphQLField<unknown, unknown>, args: Record<string, unknown>): number {
  if (!model.weighsInput) return 0;
  let total = 0;
  for (const argument of field.args) {
    if (!Object.hasOwn(args, argument.name)) continue;
    total += model.argumentWeight(argument) + inputCost(model, argument.type, args[argument.name]);
  }
  return total;
}

function inputCost(model: CostModel, type: GraphQLInputType, value: unknown): number {
  if (value === null || value === undefined) return 0;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const items = Array.isArray(value) ? value : [value];
    return items.reduce<number>((total, item) => total + inputCost(model, nullable.ofType, item), 0);
  }
  if (!isInputObjectType(nullable)) return 0;
  const record = value as Record<string, unknown>;
  let total = 0;
  for (const field of Object.values(nullable.getFields())) {
    if (!Object.hasOwn(record, field.name)) continue;
    total += model.inputFieldWeight(field) + inputCost(model, field.type, record[field.name]);
  }
  return total;
}
