/**
 * The operation limits (src/graphql/operation-limits.ts) as an Apollo Server plugin, for GraphQL over HTTP.
 *
 * Apollo parses with `parseOptions` (the token limit) and keeps every document it validated in its document
 * cache, keyed by the query's hash; a repeated query is neither parsed nor validated again, so the limits cost a
 * known operation nothing. What this plugin adds:
 *
 * - before Apollo's own validation of a new document, graphql-armor's rules alone: a document beyond a limit is
 *   refused there, never reaching graphql-js's quadratic overlapping-fields rule. Apollo has no hook that answers
 *   with an error at that point, so the refusal is thrown and handed back through `unexpectedErrorProcessingRequest`
 *   (Apollo then answers with that error, HTTP 400, through formatError) instead of Apollo's generic 500;
 * - introspection, decided per request (cached documents included) from the caller's access.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { GraphQLContext } from '../graphql/context.type.js';
import type { OperationLimits } from '../graphql/operation-limits.js';

/** A limit's refusal on its way out of Apollo; HTTP 400, like any request Apollo's validation refuses. */
class OperationRefusedError extends GraphQLError {
  constructor(refusal: GraphQLError) {
    super(refusal.message, { extensions: { ...refusal.extensions, http: { status: 400 } } });
  }
}

/** The Apollo plugin enforcing `limits` (see the file's comment for why each hook). */
export function operationGatePlugin(limits: OperationLimits): ApolloServerPlugin<GraphQLContext> {
  return {
    async requestDidStart() {
      return {
        // Called only for a document not in Apollo's cache, just before Apollo validates it.
        async validationDidStart({ schema, document }) {
          const exceeded = document && limits.exceeded(schema, document);
          if (exceeded) throw new OperationRefusedError(exceeded);
        },
        async didResolveOperation({ document, contextValue }) {
          const refusal = limits.introspectionRefusal(document, contextValue.access);
          if (refusal) throw new OperationRefusedError(refusal);
        },
      };
    },
    async unexpectedErrorProcessingRequest({ error }) {
      if (error instanceof OperationRefusedError) throw error;
    },
  };
}
