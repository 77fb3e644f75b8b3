// @include json-array.js
// @include chat-access.js
/* global CHAT_ACCESS_DEFAULTS, keepLegacyChatUsers -- from shared/chat-access.js, inlined at build time */
RED.nodes.registerType('impetus-rocketchat', {
  category: 'config',
  defaults: {
    name: { value: '' },
    serverUrl: { value: '', required: true, validate: RED.validators.regex(/^https?:\/\/.+/) },
    updates: { value: 'polling' },
    pollInterval: { value: 5, validate: RED.validators.number() },
    ...CHAT_ACCESS_DEFAULTS,
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
keepLegacyChatUsers('impetus-rocketchat');
