// What each GraphQL type of this module resolves from, for codegen (paths are
// relative to src/generated/graphql.ts). Read by codegen.ts, not at run time.
export const mappers = {
  WebhookEndpoint: './prisma/client#WebhookEndpoint as WebhookEndpointModel',
  WebhookDelivery: './prisma/client#WebhookDelivery as WebhookDeliveryModel',
  WebhookDeliveryConnection: '../graphql/connection#ConnectionModel<WebhookDeliveryModel>',
  WebhookDeliveryEdge: '../graphql/connection#EdgeModel<WebhookDeliveryModel>',
};
