/**
 * What the TAXII and MISP clients share of HTTP.
 *
 * An HTTP answer's body as text, read no further than `maxBytes`: the TAXII and MISP clients
 * refuse an answer that would not fit rather than hold it whole. A declared Content-Length above
 * the limit is refused before anything is read.
 */
export async function readBounded(res: Response, maxBytes: number): Promise<string | undefined> {
  if (Number(res.headers.get('content-length')) > maxBytes) {
    await res.body?.cancel();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of (res.body ?? []) as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size > maxBytes) {
      await res.body?.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Why a fetch threw, said for an operator: the read stopped by the node's close, no answer within
 * the timeout, or the network's own reason (the cause undici wraps in "fetch failed").
 */
export function fetchFailure(url: string, err: unknown, timeoutMs: number, signal?: AbortSignal): Error {
  if (signal?.aborted) return new Error(`${url}: the read was stopped (the node is closing)`);
  const cause = (err as { cause?: { message?: string } }).cause?.message;
  return new Error(`cannot reach ${url}: ${(err as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs / 1000} s` : cause ?? (err as Error).message}`);
}
