/**
 * The Bluetooth Heart Rate Measurement characteristic (0x2A37, Heart Rate Service 0x180D), as
 * chest straps and many headbands send it. Layout (Bluetooth SIG, Heart Rate Profile 1.0):
 *   flags (uint8): bit 0 heart rate as uint16 (else uint8); bits 1–2 sensor contact (bit 2 says
 *   the sensor reports contact, bit 1 whether it has it); bit 3 energy expended (uint16, kJ)
 *   present; bit 4 RR intervals present (uint16 each, in 1/1024 s, oldest first).
 */
export interface HeartRateMeasurement {
  bpm: number;
  /** undefined when the sensor does not report skin contact. */
  contact?: boolean;
  energyKj?: number;
  /** RR intervals in milliseconds, oldest first. */
  rr: number[];
}

export class BleDecodeError extends Error {
  readonly code = 'IMPETUS_BLE';
}

export function decodeHeartRate(bytes: Uint8Array): HeartRateMeasurement {
  if (bytes.length < 2) throw new BleDecodeError(`a heart-rate measurement needs at least 2 bytes, got ${bytes.length}`);
  const flags = bytes[0];
  if (flags & 0xe0) throw new BleDecodeError(`reserved flag bits set (0x${flags.toString(16)}): not a 0x2A37 heart-rate measurement`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 1;
  const need = (n: number, what: string) => {
    if (offset + n > bytes.length) throw new BleDecodeError(`truncated measurement: ${what} needs ${n} bytes at offset ${offset}, only ${bytes.length - offset} left`);
  };
  let bpm: number;
  if (flags & 0x01) {
    need(2, 'the uint16 heart rate');
    bpm = view.getUint16(offset, true);
    offset += 2;
  } else {
    bpm = bytes[offset];
    offset += 1;
  }
  const contact = flags & 0x04 ? Boolean(flags & 0x02) : undefined;
  let energyKj: number | undefined;
  if (flags & 0x08) {
    need(2, 'energy expended');
    energyKj = view.getUint16(offset, true);
    offset += 2;
  }
  const rr: number[] = [];
  if (flags & 0x10) {
    if ((bytes.length - offset) % 2) throw new BleDecodeError(`RR intervals are uint16 pairs; ${bytes.length - offset} bytes left`);
    for (; offset < bytes.length; offset += 2) rr.push((view.getUint16(offset, true) * 1000) / 1024);
  } else if (offset !== bytes.length) {
    throw new BleDecodeError(`${bytes.length - offset} bytes after the measurement, and the flags announce no RR intervals`);
  }
  return { bpm, contact, energyKj, rr };
}
