/** The node types a runner knows. Node types are injected (see nodes/index.ts), never imported by the engine. */
import type { AnyNodeDefinition } from '../model/node-kit.ts';
import type { NodeCatalog } from '../model/validate.ts';

export class NodeRegistry implements NodeCatalog {
  private readonly byType = new Map<string, AnyNodeDefinition>();

  constructor(definitions: Iterable<AnyNodeDefinition> = []) {
    for (const def of definitions) this.register(def);
  }

  register(def: AnyNodeDefinition): void {
    if (this.byType.has(def.type)) throw new Error(`Node type "${def.type}" is registered twice.`);
    this.byType.set(def.type, def);
  }

  get(type: string): AnyNodeDefinition | undefined {
    return this.byType.get(type);
  }

  require(type: string): AnyNodeDefinition {
    const def = this.byType.get(type);
    if (!def) throw new Error(`Unknown node type "${type}".`);
    return def;
  }

  types(): string[] {
    return [...this.byType.keys()].sort();
  }

  all(): AnyNodeDefinition[] {
    return [...this.byType.values()];
  }
}
