RED.nodes.registerType('impetus-ctdr', {
  category: 'impetus',
  color: '#E2D96E',
  defaults: {
    name: { value: '' },
    registerFrom: { value: 'json' },
    register: { value: '' },
    registerFile: { value: '' },
    networkFrom: { value: 'json' },
    network: { value: '' },
    networkFile: { value: '' },
    epssFile: { value: '' },
    kevFile: { value: '' },
    tlp: { value: 'amber' },
    windowMin: { value: 15, validate: RED.validators.number() },
    raiseUnscanned: { value: true },
    top: { value: 5, validate: RED.validators.number() },
    linkCti: { value: true },
  },
  inputs: 1,
  outputs: 3,
  icon: 'ctdr.svg',
  paletteLabel: 'ctdr',
  label: function () {
    return this.name || 'ctdr';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  outputLabels: function (i) {
    return this._('impetus-ctdr.outputs.' + ['alerts', 'graph', 'suppressed'][i]);
  },
  oneditprepare: function () {
    $('#node-input-register').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-network').typedInput({ type: 'json', types: ['json'] });
    $('#node-input-registerFrom').on('change', function () {
      var file = $(this).val() === 'file';
      $('.impetus-ctdr-register-json').toggle(!file);
      $('.impetus-ctdr-register-file').toggle(file);
    }).trigger('change');
    $('#node-input-networkFrom').on('change', function () {
      var v = $(this).val();
      $('.impetus-ctdr-network-json').toggle(v === 'json');
      $('.impetus-ctdr-network-file').toggle(v === 'file');
    }).trigger('change');
  },
});
