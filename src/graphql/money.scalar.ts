/**
 * The GraphQL face of money (src/modules/shared/money.ts): `Money`, a whole number of minor units from 0 to 2^53 - 1.
 * GraphQL's own Int stops at 2^31 - 1 (21 million kroner in øre), less than one order of a real shop may cost.
 * JSON carries it as a plain number.
 */
import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { MAX_MONEY, isMoney, type Money } from '../modules/shared/money.js';

const refuse = (value: unknown) =>
  new GraphQLError(`Money must be a whole number of minor units from 0 to ${MAX_MONEY}; got ${String(value).slice(0, 40)}`);

export const MoneyScalar = new GraphQLScalarType<Money, Money>({
  name: 'Money',
  description: `An amount in whole minor units of its currency (øre, cents): 0 to ${MAX_MONEY} (2^53 - 1), a 64-bit integer in the database.`,
  serialize(value) {
    if (!isMoney(value)) throw refuse(value);
    return value;
  },
  parseValue(value) {
    if (!isMoney(value)) throw refuse(value);
    return value;
  },
  parseLiteral(ast: ValueNode) {
    const value = ast.kind === Kind.INT ? Number(ast.value) : NaN;
    if (!isMoney(value) || (ast.kind === Kind.INT && String(value) !== ast.value.replace(/^-?0+(?=\d)/, ''))) throw refuse(ast.kind === Kind.INT ? ast.value : ast.kind);
    return value;
  },
});
