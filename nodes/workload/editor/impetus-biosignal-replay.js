RED.nodes.registerType('impetus-biosignal-replay', {
  category: 'impetus',
  color: '#E9967A',
  defaults: {
    name: { value: '' },
    file: { value: 'flows/workload/operator-2.edf' },
    operator: { value: 'op-2', required: true, validate: RED.validators.regex(/^[A-Za-z0-9_.:@-]{1,64}$/) },
    device: { value: 'replay' },
    speed: { value: 1, validate: RED.validators.number() },
    rate: { value: '' },
    loop: { value: false },
  },
  inputs: 1,
  outputs: 1,
  icon: 'biosignal.svg',
  paletteLabel: 'bio-signal replay',
  label: function () {
    return this.name || (this.operator ? 'replay ' + this.operator : 'bio-signal replay');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-biosignal-replay.outputs.samples');
  },
});
