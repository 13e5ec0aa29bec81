/**
 * What one GraphQL operation may cost, decided before it runs, the same over HTTP (Apollo) and WebSocket
 * (graphql-ws). DESIGN.md, "Limits at the door", says why each limit exists and how its default was chosen.
 *
 * The order matters: the parser stops counting at GRAPHQL_MAX_TOKENS, then graphql-armor's rules (depth, aliases,
 * directives, cost: each one walk of the document, safe on a document that is otherwise invalid) run on their own,
 * and only a document within every limit reaches graphql-js's own validation, whose overlapping-fields rule is
 * quadratic in the number of fields sharing a response name (40,000 aliases kept the event loop for 99 s).
 */
import { ApolloServerErrorCode, ApolloServerValidationErrorCode } from '@apollo/server/errors';
import { costLimitRule } from '@escape.tech/graphql-armor-cost-limit';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  BREAK,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  visit,
  type DocumentNode,
  type GraphQLSchema,
  type ParseOptions,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { IntrospectionPolicy, type GraphQLLimits } from '../config/config.js';
import { LimitSetting } from '../config/limit-setting.js';
import type { OrderAccess } from '../modules/access/order-access.js';

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

/** Documents already inspected for introspection fields; Apollo hands back the same document object for a repeated query. */
const selectsSchemaCache = new WeakMap<DocumentNode, boolean>();

/** Whether a document asks for the schema (`__schema`, `__type`); `__typename` is not introspection of the schema. */
export function selectsSchema(document: DocumentNode): boolean {
  let found = selectsSchemaCache.get(document);
  if (found === undefined) {
    let seen = false;
    visit(document, {
      Field(node) {
        if (node.name.value !== '__schema' && node.name.value !== '__type') return undefined;
        seen = true;
        return BREAK;
      },
    });
    found = seen;
    selectsSchemaCache.set(document, found);
  }
  return found;
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

  /**
   * Why this caller may not have `document` answered, if it asks for the schema and GRAPHQL_INTROSPECTION does
   * not let this caller see it; undefined otherwise. Decided per request, never cached with the document: the
   * same query text is fine for the back office and refused for anyone else.
   */
  introspectionRefusal(document: DocumentNode, access: OrderAccess): GraphQLError | undefined {
    const policy = this.limits.introspection;
    if (policy === IntrospectionPolicy.PUBLIC || !selectsSchema(document)) return undefined;
    if (policy === IntrospectionPolicy.ADMIN && access.isAdmin) return undefined;
    const message =
      policy === IntrospectionPolicy.ADMIN
        ? `Introspection needs the back-office key (${LimitSetting.GRAPHQL_INTROSPECTION}=admin)`
        : `Introspection is turned off (${LimitSetting.GRAPHQL_INTROSPECTION}=off)`;
    // Apollo's own codes for a refused introspection, so clients that know Apollo's NoIntrospection rule recognise it.
    return new GraphQLError(message, {
      extensions: {
        code: ApolloServerErrorCode.GRAPHQL_VALIDATION_FAILED,
        validationErrorCode: ApolloServerValidationErrorCode.INTROSPECTION_DISABLED,
        setting: LimitSetting.GRAPHQL_INTROSPECTION,
      },
    });
  }

  /** Whether error messages must not suggest field, argument or type names ("Did you mean …?"): unless introspection is public. */
  get hidesSchemaDetails(): boolean {
    return this.limits.introspection !== IntrospectionPolicy.PUBLIC;
  }
}
