RED.nodes.registerType('impetus-kafka-in', {
  category: 'impetus',
  color: '#C7D8E8',
  defaults: {
    name: { value: '' },
    broker: { value: '', type: 'impetus-kafka-broker', required: true },
    topics: { value: '', required: true },
    groupId: { value: 'node-red-impetus', required: true },
    fromBeginning: { value: false },
    decode: { value: 'json' },
    schema: { value: '' },
    maxInFlight: { value: 1000, validate: RED.validators.number() },
    retries: { value: 10, validate: RED.validators.number() },
  },
  inputs: 0,
  outputs: 1,
  icon: 'kafka.svg',
  paletteLabel: 'kafka in',
  label: function () {
    return this.name || (this.topics ? 'kafka ' + this.topics : 'kafka in');
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function () {
    return this._('impetus-kafka-in.label.output');
  },
});
