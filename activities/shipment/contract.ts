/** The shipment context's contract in the activities layer: the carrier and WMS ports a worker is given. */
export type { CancelLabelOutcome, CancelLabelRequest, CarrierPort, LabelOutcome, LabelRequest, ReturnLabelOutcome, ReturnLabelRequest } from './carrierPort';
export type { CancelExpectedReturnOutcome, CancelExpectedReturnRequest, CancelTaskOutcome, CancelTaskRequest, ExpectReturnRequest, TaskRequest, WmsPort } from './wmsPort';
