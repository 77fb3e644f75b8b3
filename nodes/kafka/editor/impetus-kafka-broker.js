RED.nodes.registerType('impetus-kafka-broker', {
  category: 'config',
  defaults: {
    name: { value: '' },
    brokers: { value: '127.0.0.1:9092', required: true, validate: RED.validators.regex(/^\s*[^\s:,/]+:\d{1,5}(\s*,\s*[^\s:,/]+:\d{1,5})*\s*$/) },
    clientId: { value: 'node-red-impetus' },
    tls: { value: false },
    tlsCaFile: { value: '' },
    tlsCertFile: { value: '' },
    tlsKeyFile: { value: '' },
    tlsRejectUnauthorized: { value: true },
    saslMechanism: { value: 'none' },
  },
  credentials: {
    username: { type: 'text' },
    password: { type: 'password' },
  },
  label: function () {
    return this.name || this.brokers;
  },
  oneditprepare: function () {
    $('#node-config-input-tls').on('change', function () {
      $('.impetus-kafka-tls').toggle($(this).is(':checked'));
    }).trigger('change');
    $('#node-config-input-saslMechanism').on('change', function () {
      $('.impetus-kafka-sasl').toggle($(this).val() !== 'none');
    }).trigger('change');
  },
});
