RED.nodes.registerType('impetus-evacuation', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    siteFile: { value: 'padova-piazza-dei-signori.geojson' },
    siteJson: { value: '' },
    profile: { value: 'calibrated' },
    debounce: { value: 2, validate: RED.validators.number() },
    limitSeconds: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    maxRisk: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    silentAfter: { value: 300, validate: RED.validators.number() },
    counters: { value: '' },
    emptyAt: { value: '', validate: RED.validators.regex(/^(\d{1,2}:\d{2})?$/) },
    timeZone: { value: 'UTC' },
    presimulate: { value: false },
  },
  inputs: 1,
  outputs: 7,
  icon: 'evacuation.svg',
  paletteLabel: 'evacuation',
  label: function () {
    return this.name || 'evacuation';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-evacuation.outputs.' + ['plan', 'alerts', 'map', 'state', 'clear', 'routes', 'whatIf'][i]);
  },
  oneditprepare: function () {
    $('#node-input-siteJson').on('input', function () {
      const text = $(this).val().trim();
      let error = '';
      if (text) {
        try {
          const site = JSON.parse(text);
          if (!site || (site.type !== 'FeatureCollection' && !Array.isArray(site.areas))) error = 'not a site (areas, exits, links) nor a GeoJSON FeatureCollection';
        } catch (err) {
          error = err.message;
        }
      }
      $('#impetus-evacuation-json-error').text(error);
    });
  },
});
