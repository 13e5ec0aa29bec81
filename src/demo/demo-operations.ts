/**
 * Turns the demo's operations.graphql into a browser ES module: `export const operations = { DemoCart: "…" }`,
 * each operation printed with the fragments it uses. One .graphql file is then both what codegen checks against
 * the schema and what the pages send, with no build step for the pages.
 */
import { Kind, parse, print, visit, type DefinitionNode, type FragmentDefinitionNode } from 'graphql';

export function operationsModule(source: string): string {
  const doc = parse(source);
  const fragments = new Map(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const operations: Record<string, string> = {};
  for (const def of doc.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION || !def.name) continue;
    const used = new Map<string, FragmentDefinitionNode>();
    const collect = (node: DefinitionNode) =>
      visit(node, {
        FragmentSpread(spread) {
          const fragment = fragments.get(spread.name.value);
          if (!fragment) throw new Error(`operations.graphql: unknown fragment ${spread.name.value}`);
          if (!used.has(fragment.name.value)) {
            used.set(fragment.name.value, fragment);
            collect(fragment);
          }
        },
      });
    collect(def);
    operations[def.name.value] = [def, ...used.values()].map((d) => print(d)).join('\n');
  }
  return `// Generated from operations.graphql by the server; do not edit.\nexport const operations = ${JSON.stringify(operations, null, 2)};\n`;
}
