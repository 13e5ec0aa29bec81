import { Arg, Ctx, Field, ID, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { BadUserInputError } from '../../errors/app-errors.js';
import type { GraphQLContext } from '../../graphql/context.type.js';
import { requirePageSize } from '../../graphql/input-guard.js';
import { OutboxStatus, OutboxTopic, type OutboxMessage } from './outbox-message.entity.js';

@ObjectType({ description: 'A side effect owed once a transition committed, and how its delivery goes.' })
export class OutboxMessageType {
  @Field(() => ID)
  id!: string;

  @Field(() => OutboxTopic)
  topic!: OutboxTopic;

  @Field(() => ID, { nullable: true })
  orderId?: string | null;

  @Field(() => OutboxStatus)
  status!: OutboxStatus;

  @Field(() => Int, { description: 'Deliveries tried so far.' })
  attempts!: number;

  @Field(() => Date, { description: 'When it is next tried (while PENDING).' })
  nextAttemptAt!: Date;

  @Field(() => String, { nullable: true, description: 'Why the last try failed (or what the receiver answered).' })
  lastError?: string | null;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date, { nullable: true })
  doneAt?: Date | null;
}

function toType(m: OutboxMessage): OutboxMessageType {
  return { ...m, id: String(m.id) };
}

@Resolver(() => OutboxMessageType)
export class OutboxResolver {
  @Query(() => [OutboxMessageType], { description: 'Back office: side effects, newest first; `limit` from 1 to GRAPHQL_MAX_LIST_LENGTH.' })
  async outboxMessages(
    @Arg('status', () => OutboxStatus, { nullable: true }) status: OutboxStatus | null,
    @Arg('topic', () => OutboxTopic, { nullable: true }) topic: OutboxTopic | null,
    @Arg('orderId', () => ID, { nullable: true }) orderId: string | null,
    @Arg('limit', () => Int, { defaultValue: 50 }) limit: number,
    @Ctx() ctx: GraphQLContext,
  ): Promise<OutboxMessageType[]> {
    ctx.access.requireAdmin();
    const rows = await ctx.services.outboxAdmin.list({ status, topic, orderId }, requirePageSize(limit, ctx.services.config.graphql));
    return rows.map(toType);
  }

  @Mutation(() => OutboxMessageType, { description: 'Back office: try a FAILED side effect again, from its first attempt; audited with the reason.' })
  async retryOutboxMessage(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: GraphQLContext): Promise<OutboxMessageType> {
    ctx.access.requireAdmin();
    const n = Number(id);
    if (!Number.isSafeInteger(n) || n < 1) throw new BadUserInputError('id must be an outbox message id', { field: 'id' });
    return toType(await ctx.services.outboxAdmin.retry(n, reason));
  }
}
