RED.nodes.registerType('impetus-telegram', {
  category: 'config',
  defaults: {
    name: { value: '' },
    apiBase: { value: 'https://api.telegram.org', required: true, validate: RED.validators.regex(/^https?:\/\/.+/) },
    updates: { value: 'polling' },
    webhookBase: { value: '' },
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
