/** Custom search attributes registered on the dev server, so the Web UI can filter orders. */
export const SEARCH_ATTRIBUTES = {
  OrderStatus: 'Keyword',
  CustomerId: 'Keyword',
} as const;
