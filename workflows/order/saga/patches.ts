/*
 * The changes to orderWorkflowV3 made after its histories were committed (test/fixtures/histories/v3-*.json), each
 * behind patched() so a running order replays on the code it started with (docs/versioning.md).
 */

/**
 * patched(): an order that fails while its early capture (before the authorization lapses) is at the gateway waits
 * for that capture's answer before it undoes anything, and the capture is not asked again once the order failed.
 * Before this, the refund ran first (finding nothing captured) and the capture landed after it: the customer paid
 * for an order that failed. Found on orderWorkflowV3 (test/workflow/authorizationDeadline.test.ts).
 */
export const FAILURE_WAITS_FOR_EARLY_CAPTURE = 'failure-waits-for-early-capture';
