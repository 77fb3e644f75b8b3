// @include json-array.js
// @include chat-access.js
/* global CHAT_ACCESS_DEFAULTS, keepLegacyChatUsers -- from shared/chat-access.js, inlined at build time */
RED.nodes.registerType('impetus-telegram', {
  category: 'config',
  defaults: {
    name: { value: '' },
    apiBase: { value: 'https://api.telegram.org', required: true, validate: RED.validators.regex(/^https?:\/\/.+/) },
    updates: { value: 'polling' },
    webhookBase: { value: '' },
    ...CHAT_ACCESS_DEFAULTS,
    globalPerSecond: { value: 30, validate: RED.validators.number() },
    perChatPerSecond: { value: 1, validate: RED.validators.number() },
    perGroupPerMinute: { value: 20, validate: RED.validators.number() },
    pollTimeout: { value: 30, validate: RED.validators.number() },
    requestTimeout: { value: 30, validate: RED.validators.number() },
  },
  credentials: {
    token: { type: 'password' },
    webhookSecret: { type: 'password' },
  },
  label: function () {
    return this.name || 'Telegram bot';
  },
  oneditprepare: function () {
    var toggle = function () {
      $('.impetus-telegram-webhook').toggle($('#node-config-input-updates').val() === 'webhook');
    };
    $('#node-config-input-updates').on('change', toggle);
    toggle();
  },
});
keepLegacyChatUsers('impetus-telegram');
