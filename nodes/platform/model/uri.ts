/**
 * The links an alert may carry in `resources[].uri`: http(s), or our own media route
 * (`media/<digest>`, relative to the console's API). Nothing else (javascript:, data:, file:)
 * is ever stored or rendered as a link. schemas/alert.schema.json has the same rule as a pattern.
 */
export const RESOURCE_URI = /^(?:https?:\/\/\S+|media\/sha256:[0-9a-f]{64})$/i;

export function isResourceUri(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 4096 && RESOURCE_URI.test(value);
}
