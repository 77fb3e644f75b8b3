RED.nodes.registerType('impetus-telegram-notify', {
  category: 'impetus',
  color: '#8FC9EA',
  defaults: {
    name: { value: '' },
    connection: { value: '', type: 'impetus-telegram', required: true },
    rules: {
      value: '[{"chats": [""], "priorities": ["P1", "P2"]}]',
      validate: function (v) {
        try {
          return Array.isArray(JSON.parse(v || '[]'));
        } catch {
          return false;
        }
      },
    },
    photo: { value: true },
    location: { value: true },
    video: { value: false },
  },
  inputs: 1,
  outputs: 1,
  icon: 'telegram.svg',
  align: 'right',
  paletteLabel: 'telegram notify',
  label: function () {
    return this.name || 'telegram notify';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('impetus-telegram-notify.label.input');
  },
  outputLabels: function () {
    return this._('impetus-telegram-notify.label.output');
  },
});
