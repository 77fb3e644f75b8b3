/** Map-layer panel state: one GeoJSON FeatureCollection (routes, sensor positions…) that each message replaces. */
import type { GeoJsonFeatureCollection, PanelState } from '../../platform';
import { checkFeatureCollection } from '../../platform';

const MAX_LAYER_BYTES = 1024 * 1024;

export class MapLayerState implements PanelState {
  private data: GeoJsonFeatureCollection = { type: 'FeatureCollection', features: [] };
  private changed = false;

  constructor(readonly options: { color: string; name: string } & Record<string, unknown>) {}

  set(value: unknown): void {
    const fc = (value as { type?: string })?.type === 'Feature'
      ? { type: 'FeatureCollection', features: [value] }
      : value;
    let checked: GeoJsonFeatureCollection;
    try {
      checked = checkFeatureCollection(fc, 'msg.payload');
    } catch (err) {
      throw new TypeError((err as Error).message.replace(/^impetus settings: /, ''));
    }
    if (JSON.stringify(checked).length > MAX_LAYER_BYTES) throw new RangeError('a map layer must be at most 1 MiB of GeoJSON');
    this.data = checked;
    this.changed = true;
  }

  snapshot(): unknown {
    return this.data;
  }

  takeUpdate(): unknown {
    if (!this.changed) return undefined;
    this.changed = false;
    return this.data;
  }
}
