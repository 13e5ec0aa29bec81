/**
 * What one GraphQL operation may cost, decided before it runs, the same over HTTP (Apollo) and WebSocket
 * (graphql-ws). DESIGN.md, "Limits at the door", says why each limit exists and how its default was chosen.
 *
 * The order matters: the parser stops counting at GRAPHQL_MAX_TOKENS, then graphql-armor's rules (depth, aliases,
 * directives, cost: each one walk of the document, safe on a document that is otherwise invalid) run on their own,
 * and only a document within every limit reaches graphql-js's own validation, whose overlapping-fields rule is
 * quadratic in the number of fields sharing a response name (40,000 aliases kept the event loop for 99 s).
 */
import { ApolloServerErrorCode } from '@apollo/server/errors';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import type { GraphQLLimits } from '../config/config.js';
import { LimitSetting } from '../config/limit-setting.js';

/**
 * A refusal by one of graphql-armor's rules: Apollo's validation code (the request itself is at fault, HTTP 400),
 * the setting and its value in `extensions`, and graphql-armor's message ("Query depth limit of 10 exceeded,
 * found 12.") without the "Syntax Error:" prefix it puts on every refusal, which would mislead here.
 */
function limitError(armorMessage: string, setting: LimitSetting, max: number): GraphQLError {
  const message = `${armorMessage.replace(/^Syntax Error:\s*/, '')} (${setting})`;
  return new GraphQLError(message, { extensions: { code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED, setting, max } });
}

/**
 * graphql-armor's rules throw by default (`propagateOnRejection`), which would escape graphql-js's `validate`
 * as an unexpected error; instead each refusal is reported to the validation context as a coded error.
 */
function refuseWith(setting: LimitSetting, max: number) {
  return {
    propagateOnRejection: false,
    onReject: [(context: ValidationContext | null, error: GraphQLError) => context?.reportError(limitError(error.message, setting, max))],
  };
}

/**
 * The limits on one operation, built once from the configuration and shared by both transports. Nothing here
 * keeps per-request state; every method is synchronous and bounded by the size of the document.
 */
export class OperationLimits {
  /** Options for graphql-js's `parse`: it stops with a syntax error (GRAPHQL_PARSE_FAILED) after `maxTokens` tokens. */
  readonly parseOptions: ParseOptions;
  /** graphql-armor's rules; run them with `exceeded`, before graphql-js's own rules. */
  readonly rules: readonly ValidationRule[];

  constructor(readonly limits: GraphQLLimits) {
    this.parseOptions = { maxTokens: limits.maxTokens };
    this.rules = [
      // `__schema` is left to graphql-js's MaxIntrospectionDepthRule (one of its specified rules), which stops the
      // nested `fields { type { fields … } } }` queries that make introspection explode; the standard
      // introspection query is 21 levels deep and would otherwise need a depth limit twice the application's.
      maxDepthRule({ n: limits.maxDepth, ignoreIntrospection: true, flattenFragments: true, ...refuseWith(LimitSetting.GRAPHQL_MAX_DEPTH, limits.maxDepth) }),
      // Every alias counts, `__typename` too (graphql-armor exempts it by default, for telling union members apart,
      // which this schema has no use for): a thousand aliased `__typename`s are still a thousand fields to answer.
      maxAliasesRule({ n: limits.maxAliases, allowList: [], ...refuseWith(LimitSetting.GRAPHQL_MAX_ALIASES, limits.maxAliases) }),
      maxDirectivesRule({ n: limits.maxDirectives, ...refuseWith(LimitSetting.GRAPHQL_MAX_DIRECTIVES, limits.maxDirectives) }),
      // graphql-armor's cost: 1 per scalar, 2 per object, children weighted 1.5 per level of nesting; fragments
      // cost what they select, wherever they are spread.
      costLimitRule({ maxCost: limits.maxCost, ignoreIntrospection: true, flattenFragments: true, ...refuseWith(LimitSetting.GRAPHQL_MAX_COST, limits.maxCost) }),
    ];
  }

  /**
   * Parses `source` within the token limit.
   * @throws GraphQLError graphql-js's syntax error, also when the document has more than `maxTokens` tokens.
   */
  parse(source: string): DocumentNode {
    return parse(source, this.parseOptions);
  }

  /** The first limit `document` goes beyond (a coded GraphQLError naming the setting), or undefined if none. */
  exceeded(schema: GraphQLSchema, document: DocumentNode): GraphQLError | undefined {
    return validate(schema, document, this.rules)[0];
  }

  /**
   * Every reason to refuse `document`: a limit first (then nothing else is looked at), otherwise graphql-js's
   * specified rules. For a transport that validates by itself (graphql-ws); Apollo runs its own validation.
   */
  validate(schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] {
    const exceeded = this.exceeded(schema, document);
    return exceeded ? [exceeded] : validate(schema, document, specifiedRules);
  }
}
