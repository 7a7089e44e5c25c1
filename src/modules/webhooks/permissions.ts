import { allow } from 'graphql-shield';
import type { RuleMap } from '../../graphql/permissions/engine';
import { isAdmin } from '../../graphql/permissions/rules';

const endpointFields = ['id', 'url', 'eventTypes', 'enabled', 'createdAt', 'deliveries'];
const deliveryFields = ['id', 'endpoint', 'eventId', 'eventType', 'replay', 'status', 'attempts', 'responseStatus', 'latencyMs', 'lastError', 'nextAttemptAt', 'lastAttemptAt', 'deliveredAt', 'createdAt'];
const payloadFields = { userErrors: allow };

// Webhooks are the admins' alone: every way in, and the objects themselves (a `node` lookup by another role finds nothing).
export const webhookPermissions: RuleMap = {
  Query: { webhookEndpoints: isAdmin },
  Mutation: {
    createWebhookEndpoint: isAdmin,
    disableWebhookEndpoint: isAdmin,
    enableWebhookEndpoint: isAdmin,
    rotateWebhookEndpointSecret: isAdmin,
    deleteWebhookEndpoint: isAdmin,
    replayWebhookDelivery: isAdmin,
  },
  WebhookEndpoint: Object.fromEntries(endpointFields.map((field) => [field, isAdmin])),
  WebhookDelivery: Object.fromEntries(deliveryFields.map((field) => [field, isAdmin])),
  WebhookDeliveryConnection: { edges: allow, nodes: allow, pageInfo: allow, totalCount: allow },
  WebhookDeliveryEdge: { cursor: allow, node: allow },
  CreateWebhookEndpointPayload: { endpoint: allow, secret: allow, ...payloadFields },
  RotateWebhookEndpointSecretPayload: { endpoint: allow, secret: allow, ...payloadFields },
  WebhookEndpointPayload: { endpoint: allow, ...payloadFields },
  DeleteWebhookEndpointPayload: { deletedEndpointId: allow, ...payloadFields },
  WebhookDeliveryPayload: { delivery: allow, ...payloadFields },
  WebhookUserError: { field: allow, message: allow, code: allow },
};
