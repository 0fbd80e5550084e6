/**
 * The simulator's own records. They hold what Shopify stores (integer ids, cents, ISO timestamps);
 * resolvers and REST payload builders derive every exposed field from them.
 * `__typename` lets graphql-js resolve interfaces (Node, HasMetafields) to the right object type.
 */

export interface SimSellingPlan {
  id: number;
  name: string;
}

export interface SimLineItem {
  id: number;
  title: string;
  sku: string | null;
  quantity: number;
  unitPriceCents: number;
  /** Discount over the whole line, in cents. */
  discountCents: number;
  sellingPlan: SimSellingPlan | null;
  /** Subscription contract id when the line belongs to one. */
  contractId: number | null;
  productId: number | null;
  variantId: number | null;
}

export interface SimRefundLine {
  lineItemId: number;
  quantity: number;
}

export interface SimRefund {
  id: number;
  createdAt: string;
  note: string | null;
  amountCents: number;
  lines: SimRefundLine[];
}

export interface SimOrder {
  readonly __typename: "Order";
  id: number;
  /** Order number; `name` is "#" + number. */
  number: number;
  customerId: number | null;
  email: string | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string;
  cancelledAt: string | null;
  cancelReason: string | null;
  closedAt: string | null;
  test: boolean;
  sourceName: string;
  /** The app or channel that created the order ("Online Store", "Point of Sale", a subscription app). */
  appName: string;
  retailLocationId: number | null;
  tags: string[];
  /** Currency the buyer paid in and its rate against the shop currency (1 = same currency). */
  presentmentCurrency: string;
  presentmentRate: number;
  shippingCents: number;
  lineItems: SimLineItem[];
  refunds: SimRefund[];
}

export interface SimCustomer {
  readonly __typename: "Customer";
  id: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  phone: string | null;
  note: string | null;
  state: "ENABLED" | "DISABLED" | "INVITED" | "DECLINED";
  tags: string[];
  createdAt: string;
  updatedAt: string;
  /** Shopify's own RFM group (Customer.statistics.rfmGroup); null unless set by a seed or control call. */
  rfmGroup: string | null;
}

export type MetafieldOwnerType = "CUSTOMER" | "ORDER" | "SHOP";

export interface SimMetafield {
  readonly __typename: "Metafield";
  id: number;
  ownerType: MetafieldOwnerType;
  ownerId: number;
  namespace: string;
  key: string;
  type: string;
  value: string;
  createdAt: string;
  updatedAt: string;
}

export interface SimMetafieldDefinition {
  readonly __typename: "MetafieldDefinition";
  id: number;
  ownerType: MetafieldOwnerType;
  namespace: string;
  key: string;
  name: string;
  description: string | null;
  type: string;
  adminFilterable: boolean;
  pinnedPosition: number | null;
  access: { admin: string | null; storefront: string | null; customerAccount: string };
  validations: { name: string; value: string | null }[];
  createdAt: string;
}

export interface SimSegment {
  readonly __typename: "Segment";
  id: number;
  name: string;
  query: string;
  creationDate: string;
  lastEditDate: string;
}

export interface SimWebhookSubscription {
  readonly __typename: "WebhookSubscription";
  id: number;
  /** REST-style topic, e.g. "orders/create". */
  topic: string;
  /** Absolute URL, or a path relative to the app URL (as in shopify.app.toml). */
  uri: string;
  format: "JSON" | "XML";
  filter: string | null;
  includeFields: string[];
  createdAt: string;
  updatedAt: string;
}

export type BulkOperationStatus = "CREATED" | "RUNNING" | "COMPLETED" | "CANCELING" | "CANCELED" | "FAILED" | "EXPIRED";
export type BulkOperationErrorCode = "ACCESS_DENIED" | "INTERNAL_SERVER_ERROR" | "TIMEOUT";

export interface SimBulkOperation {
  readonly __typename: "BulkOperation";
  id: number;
  type: "QUERY" | "MUTATION";
  status: BulkOperationStatus;
  errorCode: BulkOperationErrorCode | null;
  query: string;
  createdAt: string;
  completedAt: string | null;
  objectCount: number;
  rootObjectCount: number;
  fileSize: number | null;
  url: string | null;
  partialDataUrl: string | null;
  groupObjects: boolean;
  clientIdentifier: string | null;
  /** Why a FAILED operation failed (simulator-only; Shopify gives just errorCode). */
  failure: string | null;
}

export interface SimFlowTriggerCall {
  handle: string | null;
  payload: unknown;
  receivedAt: string;
}
