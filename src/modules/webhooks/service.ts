import type { ServiceContext } from '../../context';
import { fail, ok } from '../../core/result';
import type { WebhookDelivery, WebhookEndpoint } from '../../generated/prisma/client';
import { EVENT_TYPES, isEventType } from '../events/catalogue';
import { checkDestination, parseEndpointUrl, type DestinationPolicy } from './destination';
import type { WebhookResult } from './errors';
import { deliveriesQueued } from './queued';
import { newSigningSecret, sealSecret } from './secrets';

/** What the webhook services need beyond a service context: where endpoints may point, and the key for secrets at rest. */
export interface WebhookSettings extends DestinationPolicy {
  secretKey: Buffer;
}

/** The caller (an admin: shield checks that for GraphQL) and the webhook settings. */
export interface WebhookContext extends ServiceContext {
  webhooks: WebhookSettings;
}

/** How long deliveries are signed with the previous secret too after a rotation. */
export const ROTATION_OVERLAP_MS = 24 * 3_600_000;
const EVENT_TYPES_MAX = EVENT_TYPES.length;

const ENDPOINT_NOT_FOUND = 'No webhook endpoint has this ID.';
const endpointNotFound = () => fail('ENDPOINT_NOT_FOUND', ENDPOINT_NOT_FOUND, ['input', 'endpointId']);

/** An endpoint and its signing secret, which is shown once. */
export interface EndpointWithSecret {
  endpoint: WebhookEndpoint;
  secret: string;
}

function checkEventTypes(eventTypes: readonly string[]): WebhookResult<string[]> {
  const unique = [...new Set(eventTypes.map((type) => type.trim()))];
  if (unique.length === 0) return fail('EVENT_TYPES_REQUIRED', 'Give at least one event type.', ['input', 'eventTypes']);
  const unknown = unique.filter((type) => !isEventType(type));
  if (unknown.length > 0 || unique.length > EVENT_TYPES_MAX) {
    return fail('UNKNOWN_EVENT_TYPE', `Unknown event type: ${unknown.slice(0, 3).join(', ')}. Known types: ${EVENT_TYPES.join(', ')}.`, ['input', 'eventTypes']);
  }
  return ok(unique);
}

/**
 * Registers an endpoint. Its URL must be http(s) (https in production) and,
 * unless private addresses are allowed, lead to public addresses only. The
 * new signing secret is returned here and never again.
 */
export async function createWebhookEndpoint(ctx: WebhookContext, input: { url: string; eventTypes: readonly string[] }): Promise<WebhookResult<EndpointWithSecret>> {
  const url = parseEndpointUrl(input.url.trim(), ctx.webhooks);
  if (!(url instanceof URL)) return fail(url.code, url.message, ['input', 'url']);
  const eventTypes = checkEventTypes(input.eventTypes);
  if (!eventTypes.ok) return eventTypes;
  const problem = await checkDestination(url, ctx.webhooks);
  if (problem) return fail(problem.code, problem.message, ['input', 'url']);
  const secret = newSigningSecret();
  const endpoint = await ctx.db.webhookEndpoint.create({
    data: { url: url.toString(), eventTypes: eventTypes.value, encryptedSecret: sealSecret(secret, ctx.webhooks.secretKey) },
  });
  ctx.log.info({ endpointId: endpoint.id, eventTypes: endpoint.eventTypes, adminId: ctx.viewer?.id }, 'webhook endpoint registered');
  return ok({ endpoint, secret });
}

/** Every endpoint, oldest first. */
export function listWebhookEndpoints(ctx: ServiceContext): Promise<WebhookEndpoint[]> {
  return ctx.db.webhookEndpoint.findMany({ orderBy: { id: 'asc' } });
}

/** Disables or enables an endpoint; enabling sends what waited meanwhile. */
export async function setWebhookEndpointEnabled(ctx: ServiceContext, input: { endpointId: number; enabled: boolean }): Promise<WebhookResult<WebhookEndpoint>> {
  const { count } = await ctx.db.webhookEndpoint.updateMany({ where: { id: input.endpointId }, data: { enabled: input.enabled } });
  if (count === 0) return endpointNotFound();
  ctx.loaders.webhooks.endpointById.clear(input.endpointId);
  if (input.enabled) deliveriesQueued();
  return ok(await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: input.endpointId } }));
}

/**
 * Gives an endpoint a new secret, returned here once. The old one keeps
 * signing too (a second signature in `webhook-signature`) for
 * ROTATION_OVERLAP_MS, so a receiver can switch without rejecting anything.
 */
export async function rotateWebhookEndpointSecret(ctx: WebhookContext, input: { endpointId: number }): Promise<WebhookResult<EndpointWithSecret>> {
  const current = await ctx.db.webhookEndpoint.findUnique({ where: { id: input.endpointId } });
  if (!current) return endpointNotFound();
  const secret = newSigningSecret();
  const { count } = await ctx.db.webhookEndpoint.updateMany({
    // Only over the secret read above: of two concurrent rotations, one wins and the other is refused.
    where: { id: current.id, encryptedSecret: current.encryptedSecret },
    data: {
      encryptedSecret: sealSecret(secret, ctx.webhooks.secretKey),
      previousEncryptedSecret: current.encryptedSecret,
      previousSecretExpiresAt: new Date(Date.now() + ROTATION_OVERLAP_MS),
    },
  });
  if (count === 0) return endpointNotFound();
  ctx.loaders.webhooks.endpointById.clear(current.id);
  ctx.log.info({ endpointId: current.id, adminId: ctx.viewer?.id }, 'webhook endpoint secret rotated');
  return ok({ endpoint: await ctx.db.webhookEndpoint.findUniqueOrThrow({ where: { id: current.id } }), secret });
}

/** Deletes an endpoint and its delivery log. */
export async function deleteWebhookEndpoint(ctx: ServiceContext, input: { endpointId: number }): Promise<WebhookResult<number>> {
  const { count } = await ctx.db.webhookEndpoint.deleteMany({ where: { id: input.endpointId } });
  if (count === 0) return endpointNotFound();
  ctx.loaders.webhooks.endpointById.clear(input.endpointId);
  ctx.log.info({ endpointId: input.endpointId, adminId: ctx.viewer?.id }, 'webhook endpoint deleted');
  return ok(input.endpointId);
}

/**
 * Sends a delivery's event to its endpoint again, as a new delivery (the log
 * keeps both), signed when it is sent: with a new timestamp and the
 * endpoint's current secret. The `webhook-id` stays the event's.
 */
export async function replayWebhookDelivery(ctx: ServiceContext, input: { deliveryId: number }): Promise<WebhookResult<WebhookDelivery>> {
  const replayed = await ctx.db.$transaction(async (tx) => {
    const original = await tx.webhookDelivery.findUnique({ where: { id: input.deliveryId } });
    if (!original) return fail('DELIVERY_NOT_FOUND', 'No webhook delivery has this ID.', ['input', 'deliveryId']);
    // The endpoint's row lock orders concurrent replays, so each takes the next number.
    const [endpoint] = await tx.$queryRaw<Array<{ enabled: boolean }>>`SELECT "enabled" FROM "WebhookEndpoint" WHERE "id" = ${original.endpointId} FOR UPDATE`;
    if (!endpoint) return fail('DELIVERY_NOT_FOUND', 'No webhook delivery has this ID.', ['input', 'deliveryId']);
    if (!endpoint.enabled) return fail('ENDPOINT_DISABLED', 'The endpoint is disabled: enable it before replaying to it.', ['input', 'deliveryId']);
    const last = await tx.webhookDelivery.aggregate({ where: { endpointId: original.endpointId, eventId: original.eventId }, _max: { replay: true } });
    return ok(await tx.webhookDelivery.create({ data: { endpointId: original.endpointId, eventId: original.eventId, replay: (last._max.replay ?? 0) + 1 } }));
  });
  if (replayed.ok) {
    deliveriesQueued();
    ctx.log.info({ deliveryId: replayed.value.id, replayOf: input.deliveryId, adminId: ctx.viewer?.id }, 'webhook delivery replayed');
  }
  return replayed;
}
