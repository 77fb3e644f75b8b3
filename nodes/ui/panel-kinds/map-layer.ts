/**
 * Map-layer panel state: one GeoJSON FeatureCollection (routes, sensor positions…) that each
 * message replaces. With actions, a feature that names them in `properties.actions` (and has a
 * `properties.id`) offers them as buttons when clicked, like a table's row buttons: the click
 * comes back to the node's output with who clicked (an evacuation exit to block, for one).
 */
import type { GeoJsonFeatureCollection, PanelState, Role, RowActions } from '../../platform';
import { checkFeatureCollection } from '../../platform';

const MAX_LAYER_BYTES = 1024 * 1024;

export class MapLayerState implements PanelState {
  private data: GeoJsonFeatureCollection = { type: 'FeatureCollection', features: [] };
  private changed = false;

  readonly rowActions?: RowActions;

  constructor(readonly options: { color: string; name: string; actions: Array<{ name: string; label: string }>; actionRoles: Role[] } & Record<string, unknown>) {
    if (options.actions.length) {
      this.rowActions = {
        actions: options.actions,
        roles: options.actionRoles,
        hasRow: (key) => this.feature(key) !== undefined,
        offers: (key, action) => (this.feature(key)?.actions as unknown[] | undefined)?.includes(action) === true,
      };
    }
  }

  /** The properties of the feature with this id that offers actions. */
  feature(id: string): Record<string, unknown> | undefined {
    for (const f of this.data.features) {
      const props = (f as { properties?: Record<string, unknown> | null }).properties;
      if (props && String(props.id) === id && Array.isArray(props.actions) && props.actions.length) return props;
    }
    return undefined;
  }

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
