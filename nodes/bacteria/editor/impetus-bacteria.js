RED.nodes.registerType('impetus-bacteria', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    sampler: { value: '' },
    zone: { value: '' },
    areaDesc: { value: '' },
    lat: { value: '', validate: RED.validators.regex(/^(-?\d+(\.\d+)?)?$/) },
    lon: { value: '', validate: RED.validators.regex(/^(-?\d+(\.\d+)?)?$/) },
    threshold: { value: 5000, validate: RED.validators.number() },
    riseFactor: { value: 2, validate: RED.validators.number() },
    riseZ: { value: 4, validate: RED.validators.number() },
    seasonality: { value: 'day' },
    timeZone: { value: 'UTC', required: true },
    warmupSamples: { value: 24, validate: RED.validators.number() },
    nominalFlow: { value: '' },
    flowTolerance: { value: 10, validate: RED.validators.number() },
    maxColonies: { value: 300, validate: RED.validators.number() },
    fluorescentCfuPerParticle: { value: '' },
    silentAfter: { value: 0, validate: RED.validators.number() },
    pathogens: { value: '' },
    persist: { value: 'file' },
  },
  inputs: 1,
  outputs: 3,
  icon: 'bacteria.svg',
  paletteLabel: 'bacteria',
  label: function () {
    return this.name || (this.sampler ? 'bacteria ' + this.sampler : 'bacteria');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-bacteria.outputs.' + ['levels', 'alerts', 'health'][i]);
  },
});
