import { hasRole } from '../../core/viewer';
import type { GatewayModule, NodeTypes } from '../../graphql/module';
import { createWebhookLoaders } from './loaders';
import { webhookPermissions } from './permissions';
import { webhookResolvers } from './resolvers';

// Only admins find webhook objects by ID; to anyone else they read as missing.
const nodeTypes: NodeTypes = {
  WebhookEndpoint: (ctx, id) => (hasRole(ctx.viewer, 'ADMIN') ? ctx.loaders.webhooks.endpointById.load(id) : Promise.resolve(null)),
  WebhookDelivery: (ctx, id) => (hasRole(ctx.viewer, 'ADMIN') ? ctx.loaders.webhooks.deliveryById.load(id) : Promise.resolve(null)),
};

/**
 * Outgoing webhooks: admins register merchants' endpoints, read their
 * delivery logs and replay deliveries. The sending itself runs beside the
 * gateway (./dispatcher.ts, fed by ./fan-out.ts from the domain events of
 * src/modules/events).
 */
export const webhooksModule = {
  name: 'webhooks',
  resolvers: webhookResolvers,
  permissions: webhookPermissions,
  createLoaders: createWebhookLoaders,
  nodeTypes,
} satisfies GatewayModule;
