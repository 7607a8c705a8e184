/** The shipment context's contract in the activities layer: the carrier and WMS ports a worker is given. */
export type { CancelLabelOutcome, CancelLabelRequest, CarrierPort, LabelOutcome, LabelRequest } from './carrierPort';
export type { CancelTaskOutcome, CancelTaskRequest, TaskRequest, WmsPort } from './wmsPort';
