export const SYSTEMS = ['payment', 'carrier', 'wms', 'erp', 'notifications'] as const;

export type SystemName = (typeof SYSTEMS)[number];

export function isSystemName(value: string): value is SystemName {
  return (SYSTEMS as readonly string[]).includes(value);
}
