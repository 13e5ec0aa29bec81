/**
 * A small finite state machine: a transition table (which states each state may go to) plus guard functions that
 * return a refusal reason, after Vendure's FSM. Guards are synchronous and pure: everything they look at is in
 * the context the caller passes, loaded under the lineage lock.
 */

/** Returns why a transition is refused, or undefined to allow it. */
export type Guard<Ctx> = (ctx: Ctx) => string | undefined;

export type TransitionTable<S extends string> = { readonly [K in S]: readonly S[] };

/** Guards keyed by `"FROM->TO"`, or by `"*->TO"` for every edge into TO. */
export type GuardTable<S extends string, Ctx> = Partial<Record<`${S | '*'}->${S}`, Guard<Ctx>>>;

export class StateMachine<S extends string, Ctx> {
  constructor(
    readonly name: string,
    readonly states: readonly S[],
    private readonly table: TransitionTable<S>,
    private readonly guards: GuardTable<S, Ctx> = {},
  ) {
    this.validate();
  }

  /** States reachable from `from` according to the table, before guards. */
  next(from: S): readonly S[] {
    return this.table[from];
  }

  isTerminal(state: S): boolean {
    return this.table[state].length === 0;
  }

  /** Why `from -> to` is refused for this context, or undefined when it is allowed. */
  refusal(from: S, to: S, ctx: Ctx): string | undefined {
    if (!this.table[from]?.includes(to)) return `no transition from ${from} to ${to}`;
    const specific = this.guards[`${from}->${to}` as `${S}->${S}`];
    const wildcard = this.guards[`*->${to}` as `*->${S}`];
    return specific?.(ctx) ?? wildcard?.(ctx);
  }

  /** The graph is checked when the machine is built, so a typo in a table fails at boot, not at 3 a.m. */
  private validate(): void {
    const known = new Set<string>(this.states);
    for (const from of this.states) {
      const targets = this.table[from];
      if (!targets) throw new Error(`${this.name}: state ${from} has no row in the transition table`);
      for (const to of targets) {
        if (!known.has(to)) throw new Error(`${this.name}: ${from} -> ${to} targets an unknown state`);
      }
    }
    for (const key of Object.keys(this.guards)) {
      const [from, to] = key.split('->');
      if (!known.has(to) || (from !== '*' && !known.has(from))) {
        throw new Error(`${this.name}: guard ${key} names an unknown state`);
      }
      if (from !== '*' && !this.table[from as S].includes(to as S)) {
        throw new Error(`${this.name}: guard ${key} guards an edge the table does not have`);
      }
    }
  }
}
