import { Field, InputType, ObjectType } from 'type-graphql';
import { BadUserInputError } from '../errors/app-errors.js';

@ObjectType({ description: 'A key and its value.' })
export class KeyValue {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  value!: string;
}

@InputType()
export class KeyValueInput {
  @Field(() => String)
  key!: string;

  @Field(() => String)
  value!: string;
}

export function toKeyValues(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** Turns key/value inputs into a record; a repeated key is an error, not a silent overwrite. */
export function fromKeyValues(pairs: readonly KeyValueInput[] | null | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of pairs ?? []) {
    if (Object.hasOwn(out, key)) throw new BadUserInputError(`key ${key} is given twice`, { field: 'key' });
    out[key] = value;
  }
  return out;
}
