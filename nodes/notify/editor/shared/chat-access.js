/* exported CHAT_ACCESS_DEFAULTS, keepLegacyChatUsers */
/* global jsonArray -- from json-array.js, included before this file */
/**
 * Who may receive and answer alerts, and how cards show them: the same for every chat connection.
 * The mapping is `chatUsers`: `users` is a name the editor reserves for a config node's users
 * and drops from its defaults.
 */
var CHAT_ACCESS_DEFAULTS = {
  allowedChats: { value: '' },
  amberChats: { value: '' },
  chatUsers: { value: '[]', validate: jsonArray },
  consoleUrl: { value: '' },
  timeZone: { value: 'UTC' },
};

/**
 * Flows deployed before the rename hold the mapping in `users`, which the editor does not
 * import: it is taken from the flow as loaded, so the next deploy keeps it as `chatUsers`.
 */
function keepLegacyChatUsers(type) {
  RED.events.on('flows:loaded', function () {
    var original = RED.nodes.originalFlow() || [];
    original.forEach(function (raw) {
      if (!raw || raw.type !== type || typeof raw.users !== 'string' || raw.chatUsers !== undefined) return;
      var node = RED.nodes.node(raw.id);
      if (node && (node.chatUsers === undefined || node.chatUsers === '' || node.chatUsers === '[]')) node.chatUsers = raw.users;
    });
  });
}
