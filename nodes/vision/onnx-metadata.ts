/**
 * Reads `metadata_props` (field 14 of ModelProto) from an ONNX file without a protobuf library.
 * onnxruntime-node does not expose custom metadata, and Ultralytics exports keep the class names
 * (`names`) and input size (`imgsz`) there. Only top-level fields are walked: the graph (field 7,
 * megabytes of weights) is skipped by its length prefix, not parsed.
 */
export function readOnnxMetadata(bytes: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated ONNX file');
      const b = bytes[pos++];
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return result;
      shift += 7;
      if (shift > 56) throw new Error('bad varint in ONNX file');
    }
  };
  const text = (start: number, end: number) => Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('utf8');
  while (pos < bytes.length) {
    const key = varint();
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) varint();
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const len = varint();
      const end = pos + len;
      if (end > bytes.length) throw new Error('truncated ONNX file');
      if (field === 14) {
        // StringStringEntryProto { key = 1; value = 2 }
        let k = '';
        let v = '';
        while (pos < end) {
          const tag = varint();
          const l = varint();
          if ((tag & 7) !== 2) throw new Error('bad metadata entry in ONNX file');
          if (tag >> 3 === 1) k = text(pos, pos + l);
          else if (tag >> 3 === 2) v = text(pos, pos + l);
          pos += l;
        }
        out[k] = v;
      }
      pos = end;
    } else throw new Error(`unsupported protobuf wire type ${wire} in ONNX file`);
  }
  return out;
}

/**
 * Class names from metadata: a JSON array, or the Python dict repr Ultralytics writes
 * (`{0: 'person', 1: 'bicycle'}`).
 */
export function parseClassNames(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    const list = JSON.parse(trimmed) as unknown;
    return Array.isArray(list) ? list.map(String) : undefined;
  }
  const names: string[] = [];
  const re = /(\d+)\s*:\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")/g;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) names[Number(m[1])] = m[2] ?? m[3];
  return names.length ? Array.from(names, (n, i) => n ?? String(i)) : undefined;
}

/** Input size from metadata: `[640, 640]` (h, w as Ultralytics writes it) or `640`. */
export function parseImageSize(value: string | undefined): { width: number; height: number } | undefined {
  if (!value) return undefined;
  const nums = value.match(/\d+/g)?.map(Number) ?? [];
  if (nums.length === 1) return { width: nums[0], height: nums[0] };
  if (nums.length >= 2) return { width: nums[1], height: nums[0] };
  return undefined;
}
