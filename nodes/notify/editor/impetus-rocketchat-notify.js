RED.nodes.registerType('impetus-rocketchat-notify', {
  category: 'impetus',
  color: '#F5455C',
  defaults: {
    name: { value: '' },
    connection: { value: '', type: 'impetus-rocketchat', required: true },
    rules: {
      value: '[{"chats": ["#"], "priorities": ["P1", "P2"]}]',
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
  icon: 'rocketchat.svg',
  align: 'right',
  paletteLabel: 'rocket.chat notify',
  label: function () {
    return this.name || 'rocket.chat notify';
  },
  labelStyle: function () {
    return this.name ? 'node_label_italic' : '';
  },
  inputLabels: function () {
    return this._('impetus-rocketchat-notify.label.input');
  },
  outputLabels: function () {
    return this._('impetus-rocketchat-notify.label.output');
  },
});
