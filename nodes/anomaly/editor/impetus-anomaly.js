RED.nodes.registerType('impetus-anomaly', {
  category: 'impetus',
  color: '#C7E9C0',
  defaults: {
    name: { value: '' },
    groupBy: { value: 'sensor' },
    interval: { value: 0, validate: RED.validators.number() },
    falseAlarmRate: { value: 0.0002, validate: RED.validators.number() },
    seasonality: { value: 'week' },
    timeZone: { value: 'UTC', required: true },
    warmupHours: { value: 2, validate: RED.validators.number() },
    calibrationSamples: { value: 1000, validate: RED.validators.number() },
    settings: { value: '' },
    persist: { value: 'file' },
    contextStore: { value: '' },
    saveEvery: { value: 60, validate: RED.validators.number() },
    maxGroups: { value: 1000, validate: RED.validators.number() },
    event: { value: 'Urban anomaly' },
    category: { value: 'Safety' },
    severity: { value: 'medium' },
    highScore: { value: 0.8, validate: RED.validators.number() },
  },
  inputs: 1,
  outputs: 4,
  icon: 'anomaly.svg',
  paletteLabel: 'anomaly',
  label: function () {
    return this.name || 'anomaly';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-anomaly.outputs.' + ['scores', 'alerts', 'band', 'contributions'][i]);
  },
  oneditprepare: function () {
    $('#node-input-settings').typedInput({ type: 'json', types: ['json'] });
    var toggle = function () {
      $('.impetus-anomaly-context').toggle($('#node-input-persist').val() === 'context');
    };
    $('#node-input-persist').on('change', toggle);
    toggle();
  },
});
