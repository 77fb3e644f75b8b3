RED.nodes.registerType('impetus-rocketchat', {
  category: 'config',
  defaults: {
    name: { value: '' },
    serverUrl: { value: '', required: true, validate: RED.validators.regex(/^https?:\/\/.+/) },
    updates: { value: 'polling' },
    pollInterval: { value: 5, validate: RED.validators.number() },
    allowedChats: { value: '' },
    users: {
      value: '[]',
      validate: function (v) {
        try {
          return Array.isArray(JSON.parse(v || '[]'));
        } catch {
          return false;
        }
      },
    },
    ackRoles: { value: 'soc-operator, supervisor, field-responder' },
    resolveRoles: { value: 'soc-operator, supervisor' },
    consoleUrl: { value: '' },
    timeZone: { value: 'UTC' },
    globalPerSecond: { value: 10, validate: RED.validators.number() },
    perRoomPerSecond: { value: 1, validate: RED.validators.number() },
    requestTimeout: { value: 30, validate: RED.validators.number() },
  },
  credentials: {
    userId: { type: 'text' },
    token: { type: 'password' },
    webhookToken: { type: 'password' },
  },
  label: function () {
    return this.name || this.serverUrl || 'Rocket.Chat';
  },
  oneditprepare: function () {
    var toggle = function () {
      var mode = $('#node-config-input-updates').val();
      $('.impetus-rc-webhook').toggle(mode === 'webhook');
      $('.impetus-rc-polling').toggle(mode === 'polling');
    };
    $('#node-config-input-updates').on('change', toggle);
    toggle();
  },
});
