/* exported CHAT_ACCESS_DEFAULTS */
/* global jsonArray -- from json-array.js, included before this file */
/** Who may receive and answer alerts, and how cards show them: the same for every chat connection. */
var CHAT_ACCESS_DEFAULTS = {
  allowedChats: { value: '' },
  users: { value: '[]', validate: jsonArray },
  ackRoles: { value: 'soc-operator, supervisor, field-responder' },
  resolveRoles: { value: 'soc-operator, supervisor' },
  consoleUrl: { value: '' },
  timeZone: { value: 'UTC' },
};
