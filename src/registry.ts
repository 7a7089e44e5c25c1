import { observingBatches, type BatchObserver } from './db/batch';
import type { Db } from './db/prisma';
import type { GatewayModule, NodeLoader } from './graphql/module';
import type { RuleMap } from './graphql/permissions/engine';
import type { Resolvers } from './generated/graphql';
import { accountModule } from './modules/account';
import { baseModule } from './modules/base';
import { cartModule } from './modules/cart';
import { catalogModule } from './modules/catalog';
import { identityModule } from './modules/identity';
import { orderModule } from './modules/order';
import { paymentModule } from './modules/payment';
import { webhooksModule } from './modules/webhooks';

/**
 * Every domain of the gateway, once. Adding a domain is a folder under
 * `src/modules/` with an `index.ts` describing it, and one line here.
 */
export const modules = {
  base: baseModule,
  account: accountModule,
  catalog: catalogModule,
  cart: cartModule,
  order: orderModule,
  payment: paymentModule,
  identity: identityModule,
  webhooks: webhooksModule,
} satisfies Record<string, GatewayModule>;

type Modules = typeof modules;

/** The request's DataLoaders, one set per module: `ctx.loaders.catalog.productById`. */
export type Loaders = { [K in keyof Modules]: ReturnType<Modules[K]['createLoaders']> };

const entries = Object.entries(modules) as Array<[keyof Modules, GatewayModule]>;

/**
 * One set of loaders per request (or job), so nothing cached outlives the
 * unit of work that read it. A module's loaders are made when the request
 * first uses one of them: a catalog page makes none of the order's.
 * `observe` watches their batches (metrics, tracing).
 */
export function createLoaders(db: Db, observe?: BatchObserver): Loaders {
  const loaders: Record<string, object> = {};
  for (const [name, module] of entries) {
    Object.defineProperty(loaders, name, {
      enumerable: true,
      configurable: true,
      get() {
        const made = observingBatches(observe, () => module.createLoaders(db));
        Object.defineProperty(loaders, name, { value: made, enumerable: true });
        return made;
      },
    });
  }
  return loaders as Loaders;
}

/** Every module's resolvers, in registry order. */
export const moduleResolvers: Resolvers[] = entries.map(([, module]) => module.resolvers);

/** Every module's shield rules; a field given a rule by two modules is a programming error. */
export const moduleRules: RuleMap[] = entries.map(([, module]) => module.permissions);

/** The loader of every node type, by type name; a type claimed by two modules is a programming error. */
export const nodeLoaders: ReadonlyMap<string, NodeLoader> = (() => {
  const byType = new Map<string, NodeLoader>();
  for (const [name, module] of entries) {
    for (const [type, load] of Object.entries(module.nodeTypes)) {
      if (!load) continue;
      if (byType.has(type)) throw new Error(`Node type ${type} is claimed twice (again by module ${name})`);
      byType.set(type, load);
    }
  }
  return byType;
})();
