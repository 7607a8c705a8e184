export { settleLegacyOrderOwner } from './legacyOwner';
