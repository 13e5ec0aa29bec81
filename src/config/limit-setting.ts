/**
 * The names of the settings behind the limits at the door (DESIGN.md, "Limits at the door"). A refusal names
 * the setting it met in `extensions.setting` (and its value in `extensions.max`), so a client, or whoever reads
 * its logs, knows which limit it was and what to change.
 */
export enum LimitSetting {
  GRAPHQL_BODY_LIMIT = 'GRAPHQL_BODY_LIMIT',
  GRAPHQL_MAX_DEPTH = 'GRAPHQL_MAX_DEPTH',
  GRAPHQL_MAX_ALIASES = 'GRAPHQL_MAX_ALIASES',
  GRAPHQL_MAX_DIRECTIVES = 'GRAPHQL_MAX_DIRECTIVES',
  GRAPHQL_MAX_COST = 'GRAPHQL_MAX_COST',
  GRAPHQL_MAX_LIST_LENGTH = 'GRAPHQL_MAX_LIST_LENGTH',
  GRAPHQL_INTROSPECTION = 'GRAPHQL_INTROSPECTION',
  WS_MAX_SUBSCRIPTIONS = 'WS_MAX_SUBSCRIPTIONS',
}
