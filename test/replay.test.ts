import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowsPath } from '../worker/createWorker';
import { dataConverterFor } from '../lib/codec/dataConverter';
import { PAYLOAD_KEYS } from './support/testPolicy';

const dir = fileURLToPath(new URL('./fixtures/histories', import.meta.url));
const histories = readdirSync(dir).filter((f) => f.endsWith('.json'));
/** `binary/encrypted` as a history file holds it (metadata values are base64). */
const ENCRYPTED_ENCODING = Buffer.from('binary/encrypted').toString('base64');

/** Guards determinism: every committed history must replay on the current workflow code without a non-determinism error. */
describe('committed workflow histories replay on the current code', () => {
  it('covers the representative runs of each order saga type (happy, decline, out of stock, staff cancel, vendor failure; per shipment: two shipments, partial cancel, ERP reversal, a park begun during a resume; the third type also kept parcels, a lost cancel answer, the shipped callback, the authorization deadline); a retention run', () => {
    expect(histories).toEqual(
      expect.arrayContaining([
        'happy.json',
        'payment-declined.json',
        'out-of-stock.json',
        'staff-cancel.json',
        'vendor-transient-failure.json',
        'vendor-outage-parked.json',
        'v2-two-shipments.json',
        'v2-partial-cancel-after-handoff.json',
        'v2-erp-answer-lost-then-cancelled.json',
        'v2-park-during-resume.json',
        'retention-run.json',
        // The third type, on which new orders start: the same representative runs, and the paths its rules added.
        'v3-happy.json',
        'v3-payment-declined.json',
        'v3-out-of-stock.json',
        'v3-staff-cancel.json',
        'v3-vendor-outage-parked.json',
        'v3-two-shipments.json',
        'v3-partial-cancel-after-handoff.json',
        'v3-erp-answer-lost-then-cancelled.json',
        'v3-park-during-resume.json',
        'v3-shipped-parcel-kept.json',
        'v3-cancel-answer-lost.json',
        'v3-shipped-callback.json',
        'v3-capture-before-lapse.json',
      ]),
    );
  });

  it.each(histories)('%s', async (file) => {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const history = JSON.parse(text);
    expect(history.events.length).toBeGreaterThan(10);
    // Histories recorded without encryption are read as a deployment reads those from before its keys
    // (ALLOW_PLAINTEXT_PAYLOADS); encrypted ones with the codec's default, which refuses a payload in clear.
    const recordedInClear = !text.includes(ENCRYPTED_ENCODING);
    const dataConverter = dataConverterFor({ PAYLOAD_KEYS, ALLOW_PLAINTEXT_PAYLOADS: recordedInClear });
    await expect(Worker.runReplayHistory({ workflowsPath, replayName: file, dataConverter }, history)).resolves.toBeUndefined();
  });
});
