/**
 * Splits a byte stream of concatenated JPEGs (an MJPEG HTTP body, or ffmpeg's image2pipe) into
 * frames by the JPEG start (FFD8) and end (FFD9) markers, so it works whatever the multipart
 * boundary or headers are. Entropy-coded JPEG data escapes FF bytes (FF00), so an FFD9 inside a
 * frame only comes from an embedded EXIF thumbnail, which is skipped by counting nested SOIs.
 * A frame past `maxBytes` is discarded and the parser resynchronises on the next SOI: a broken
 * camera cannot grow the buffer without bound.
 */
export class JpegStreamParser {
  private chunks: Buffer[] = [];
  private length = 0;
  private inFrame = false;
  private depth = 0;
  private scanFrom = 0;
  oversized = 0;

  constructor(private readonly onFrame: (frame: Buffer) => void, private readonly maxBytes = 8 * 1024 * 1024) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.length += chunk.length;
    let buf = this.chunks.length === 1 ? this.chunks[0] : Buffer.concat(this.chunks, this.length);
    let start = 0;
    let i = Math.max(0, this.scanFrom);
    for (; i < buf.length - 1; i++) {
      if (buf[i] !== 0xff) continue;
      const m = buf[i + 1];
      if (m === 0xd8) {
        if (!this.inFrame) {
          this.inFrame = true;
          this.depth = 1;
          start = i;
        } else this.depth++;
        i++;
      } else if (m === 0xd9 && this.inFrame) {
        i++;
        if (--this.depth > 0) continue;
        this.inFrame = false;
        // A copy: the frame must not pin the whole network chunk behind it.
        this.onFrame(Buffer.from(buf.subarray(start, i + 1)));
        start = i + 1;
      }
    }
    if (!this.inFrame) start = buf.length > 0 && buf[buf.length - 1] === 0xff ? buf.length - 1 : buf.length;
    buf = buf.subarray(start);
    if (buf.length > this.maxBytes) {
      this.oversized++;
      this.inFrame = false;
      buf = Buffer.alloc(0);
    }
    this.scanFrom = Math.max(0, buf.length - 1);
    this.chunks = buf.length ? [buf] : [];
    this.length = buf.length;
  }
}
