RED.nodes.registerType('impetus-cti-match', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    registerFrom: { value: 'json' },
    register: { value: '' },
    registerFile: { value: '' },
    allowList: { value: '[]' },
    minLookalikeScore: { value: 0.7, validate: RED.validators.number() },
    defaultTlp: { value: 'amber' },
    feedName: { value: '' },
  },
  inputs: 1,
  outputs: 2,
  icon: 'cti.svg',
  paletteLabel: 'cti match',
  label: function () {
    return this.name || 'cti match';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-cti-match.outputs.' + ['alerts', 'withdrawals'][i]);
  },
  oneditprepare: function () {
    $('#node-input-register').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-allowList').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-registerFrom').on('change', function () {
      var file = $(this).val() === 'file';
      $('.impetus-cti-register-json').toggle(!file);
      $('.impetus-cti-register-file').toggle(file);
    }).trigger('change');
  },
});
