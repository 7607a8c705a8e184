/** The returns context's runtime entry (for composition roots): the return workflow's steps. */
export { returnActivities } from './activities';
