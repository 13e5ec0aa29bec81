/**
 * One check of every argument before any resolver sees it: strings must be text both databases can store, and
 * lists are at most GRAPHQL_MAX_LIST_LENGTH long.
 *
 * A NUL (U+0000) is refused by PostgreSQL's text type and kept by SQLite; a lone UTF-16 surrogate is not Unicode
 * at all, and turns into U+FFFD (or an error) on its way to either database. Both are refused here, by name, the
 * same on both databases, rather than in each service or wherever a driver happens to fail.
 *
 * Why wrap the built schema instead of a type-graphql global middleware: a global middleware runs around every
 * field of every object (each `sku` of each line), while only fields that take arguments need the check; and
 * wrapping `subscribe` catches a subscription's arguments before it starts listening.
 */
import { defaultFieldResolver, isObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { BadUserInputError } from '../errors/app-errors.js';
import { LimitSetting } from '../config/limit-setting.js';

/** What `guardArguments` enforces. */
export interface InputLimits {
  /** Most items in one list argument or input list (GRAPHQL_MAX_LIST_LENGTH). */
  readonly maxListLength: number;
}

/**
 * Throws BAD_USER_INPUT for the first string in `value` (at any depth of lists and input objects) that holds a
 * NUL or a lone surrogate, and for the first list longer than `maxListLength`. `path` names the argument
 * (`input.idempotencyKey`, `params[3].value`).
 */
export function checkArgument(value: unknown, path: string, limits: InputLimits): void {
  if (typeof value === 'string') {
    if (value.includes('\u0000')) throw new BadUserInputError(`Argument ${path} contains a NUL character (U+0000)`, { argument: path });
    if (!value.isWellFormed()) throw new BadUserInputError(`Argument ${path} contains a lone UTF-16 surrogate: it is not valid Unicode text`, { argument: path });
  } else if (Array.isArray(value)) {
    if (value.length > limits.maxListLength) {
      throw new BadUserInputError(`Argument ${path} has ${value.length} items; at most ${limits.maxListLength} are accepted (${LimitSetting.GRAPHQL_MAX_LIST_LENGTH})`, {
        argument: path,
        setting: LimitSetting.GRAPHQL_MAX_LIST_LENGTH,
        max: limits.maxListLength,
      });
    }
    for (let i = 0; i < value.length; i++) checkArgument(value[i], `${path}[${i}]`, limits);
  } else if (value !== null && typeof value === 'object') {
    // Input objects arrive from graphql-js as plain objects of their fields (already coerced to the schema).
    for (const [key, field] of Object.entries(value)) checkArgument(field, `${path}.${key}`, limits);
  }
}

function guarded<S, C>(resolve: GraphQLFieldResolver<S, C>, limits: InputLimits): GraphQLFieldResolver<S, C> {
  return (source, args, context, info) => {
    for (const name in args) checkArgument(args[name], name, limits);
    return resolve(source, args, context, info);
  };
}

/**
 * Wraps, in place, every field of `schema` that takes arguments so that `checkArgument` runs on them first:
 * `subscribe` for subscription fields (before anything is listened to), `resolve` for the rest. A refusal is a
 * BadUserInputError thrown before the resolver runs, so nothing is written. Returns `schema`.
 */
export function guardArguments(schema: GraphQLSchema, limits: InputLimits): GraphQLSchema {
  const subscriptionType = schema.getSubscriptionType();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      if (field.args.length === 0) continue;
      if (type === subscriptionType && field.subscribe) field.subscribe = guarded(field.subscribe, limits);
      else field.resolve = guarded(field.resolve ?? defaultFieldResolver, limits);
    }
  }
  return schema;
}

/**
 * The page size a list query was asked for (`orders(limit:)`, `inboxMessages(limit:)`): from 1 to
 * `maxListLength`, the same bound as list arguments; anything else is refused rather than quietly changed.
 * @throws BadUserInputError outside that range.
 */
export function requirePageSize(limit: number, limits: InputLimits): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > limits.maxListLength) {
    throw new BadUserInputError(`Argument limit must be from 1 to ${limits.maxListLength} (${LimitSetting.GRAPHQL_MAX_LIST_LENGTH}); got ${limit}`, {
      argument: 'limit',
      setting: LimitSetting.GRAPHQL_MAX_LIST_LENGTH,
      max: limits.maxListLength,
    });
  }
  return limit;
}
