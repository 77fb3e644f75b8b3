RED.nodes.registerType('impetus-workload', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    zone: { value: 'control-room' },
    operator: { value: '' },
    model: { value: '' },
    eegRate: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    ppgRate: { value: '', validate: RED.validators.regex(/^(\d+(\.\d+)?)?$/) },
    highEnter: { value: 0.7, validate: RED.validators.number() },
    highExit: { value: 0.6, validate: RED.validators.number() },
    lowEnter: { value: 0.25, validate: RED.validators.number() },
    lowExit: { value: 0.35, validate: RED.validators.number() },
    minDuration: { value: 120, validate: RED.validators.number() },
    smoothing: { value: 60, validate: RED.validators.number() },
    step: { value: 10, validate: RED.validators.number() },
    retention: { value: 12, validate: RED.validators.number() },
    noData: { value: 30, validate: RED.validators.number() },
    batteryLow: { value: 15, validate: RED.validators.number() },
    exercise: { value: false },
    // "operator:user name" per line (or comma); the runtime checks the same at deploy.
    consoleUsers: {
      value: '',
      validate: function (v) {
        return String(v || '').split(/[\n,]/).every(function (line) {
          return !line.trim() || /^[A-Za-z0-9_.:@-]{1,64}:[A-Za-z0-9._@-]{1,64}$/.test(line.trim());
        });
      },
    },
  },
  inputs: 1,
  outputs: 5,
  icon: 'workload.svg',
  paletteLabel: 'workload',
  label: function () {
    return this.name || 'workload';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-workload.outputs.' + ['alerts', 'team', 'chart', 'status', 'own'][i]);
  },
});
