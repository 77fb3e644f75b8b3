/**
 * The console page of one alert. `consoleUrl` is either a template with `{id}` (for consoles
 * mounted with their own routing) or the console's base URL, to which `/alerts/<id>` is added.
 */
export function alertUrl(consoleUrl: string, id: string): string {
  const encoded = encodeURIComponent(id);
  if (consoleUrl.includes('{id}')) return consoleUrl.split('{id}').join(encoded);
  return `${consoleUrl.replace(/\/+$/, '')}/alerts/${encoded}`;
}
