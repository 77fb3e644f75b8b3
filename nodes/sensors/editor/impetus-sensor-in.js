RED.nodes.registerType('impetus-sensor-in', {
  category: 'impetus',
  color: '#A6BBCF',
  defaults: {
    name: { value: '' },
    format: { value: 'auto' },
    sensorId: { value: '' },
    zone: { value: '' },
    lat: { value: '', validate: RED.validators.regex(/^(-?\d+(\.\d+)?)?$/) },
    lon: { value: '', validate: RED.validators.regex(/^(-?\d+(\.\d+)?)?$/) },
    output: { value: 'batch' },
    maxReadings: { value: 10000, validate: RED.validators.number() },
    maxBytes: { value: 1048576, validate: RED.validators.number() },
    silentAfter: { value: 0, validate: RED.validators.number() },
    tool: { value: 'anomaly', validate: RED.validators.regex(/^[a-z][a-z0-9-]{0,63}$/) },
    maxSensors: { value: 10000, validate: RED.validators.number() },
    replayFile: { value: '' },
    replaySpeed: { value: 1, validate: RED.validators.number() },
    replayShift: { value: 'none' },
    replayAutostart: { value: false },
  },
  inputs: 1,
  outputs: 3,
  icon: 'sensor-in.svg',
  paletteLabel: 'sensor in',
  label: function () {
    return this.name || (this.replayFile ? 'replay ' + this.replayFile : 'sensor in');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-sensor-in.outputs.' + ['readings', 'health', 'alerts'][i]);
  },
});
