/** Custom search attributes registered on the dev server, so the Web UI can filter orders and returns. */
export const SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  CustomerId: 'Keyword',
  // A return's workflow (`return-<id>`): its status and its order (`ReturnStatus = "awaiting_receipt"`, `OrderId = "ord_…"`).
  ReturnStatus: 'Keyword',
  OrderId: 'Keyword',
} as const;
