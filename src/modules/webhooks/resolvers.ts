import type { Context } from '../../context';
import type { Resolvers } from '../../generated/graphql';
import { childConnection, connectionResolvers } from '../../graphql/connection';
import { fromGlobalId, toGlobalId } from '../../graphql/global-id';
import { payload } from '../../graphql/payload';
import type { WebhookResult } from './errors';
import * as webhooks from './service';
import { loadReferenced } from '../../db/batch';

const withSettings = (ctx: Context): webhooks.WebhookContext => ({ ...ctx, webhooks: ctx.config.webhooks });

/** A payload that carries the secret beside the endpoint (shown once). */
function withSecret(result: WebhookResult<webhooks.EndpointWithSecret>) {
  return result.ok
    ? { endpoint: result.value.endpoint, secret: result.value.secret, userErrors: [] }
    : { endpoint: null, secret: null, userErrors: result.userErrors };
}

const endpointId = (input: { endpointId: string }) => fromGlobalId(input.endpointId, 'WebhookEndpoint', 'input.endpointId');

export const webhookResolvers: Resolvers = {
  Query: {
    webhookEndpoints: async (_, __, ctx) => {
      const endpoints = await webhooks.listWebhookEndpoints(ctx);
      for (const endpoint of endpoints) ctx.loaders.webhooks.endpointById.prime(endpoint.id, endpoint);
      return endpoints;
    },
  },
  WebhookEndpoint: {
    id: (endpoint) => toGlobalId('WebhookEndpoint', endpoint.id),
    deliveries: (endpoint, args, ctx) =>
      childConnection(ctx.loaders.webhooks.deliveryPageByEndpoint, endpoint.id, args, () => ctx.loaders.webhooks.deliveryCountByEndpoint.load(endpoint.id)),
  },
  WebhookDelivery: {
    id: (delivery) => toGlobalId('WebhookDelivery', delivery.id),
    endpoint: (delivery, _, ctx) => loadReferenced(ctx.loaders.webhooks.endpointById, delivery.endpointId, 'WebhookEndpoint'),
    eventType: async (delivery, _, ctx) => {
      const type = await ctx.loaders.webhooks.eventTypeById.load(delivery.eventId);
      // A foreign key keeps the event: missing, it is a fault.
      if (type === null) throw new Error(`OutboxEvent ${delivery.eventId} is referenced but does not exist`);
      return type;
    },
  },
  WebhookDeliveryConnection: connectionResolvers,
  Mutation: {
    createWebhookEndpoint: async (_, { input }, ctx) => withSecret(await webhooks.createWebhookEndpoint(withSettings(ctx), input)),
    disableWebhookEndpoint: async (_, { input }, ctx) =>
      payload('endpoint', await webhooks.setWebhookEndpointEnabled(ctx, { endpointId: endpointId(input), enabled: false })),
    enableWebhookEndpoint: async (_, { input }, ctx) =>
      payload('endpoint', await webhooks.setWebhookEndpointEnabled(ctx, { endpointId: endpointId(input), enabled: true })),
    rotateWebhookEndpointSecret: async (_, { input }, ctx) => withSecret(await webhooks.rotateWebhookEndpointSecret(withSettings(ctx), { endpointId: endpointId(input) })),
    deleteWebhookEndpoint: async (_, { input }, ctx) => {
      const result = await webhooks.deleteWebhookEndpoint(ctx, { endpointId: endpointId(input) });
      return result.ok ? { deletedEndpointId: toGlobalId('WebhookEndpoint', result.value), userErrors: [] } : { deletedEndpointId: null, userErrors: result.userErrors };
    },
    replayWebhookDelivery: async (_, { input }, ctx) => {
      const deliveryId = fromGlobalId(input.deliveryId, 'WebhookDelivery', 'input.deliveryId');
      return payload('delivery', await webhooks.replayWebhookDelivery(ctx, { deliveryId }));
    },
  },
};
