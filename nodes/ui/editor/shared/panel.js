/* exported rolesInput, panelLabel, panelDefaults */
/** The console's roles, the ones a role view in dashboards/ may be for. */
var CONSOLE_ROLES = ['operator', 'supervisor', 'field', 'cyber', 'intel', 'manager', 'admin'];

/** Turns the text field `node-input-<field>` into a multi-select of console roles. */
function rolesInput(field) {
  $('#node-input-' + field).typedInput({ types: [{ value: 'roles', multiple: true, options: CONSOLE_ROLES }] });
}

/** A dashboard panel's label: its name, its title, "<what> on <page>", or the palette name. */
function panelLabel(what, paletteName) {
  return function () {
    return this.name || this.title || (this.page ? what + ' on ' + this.page : paletteName);
  };
}

/**
 * The defaults every panel node has (name, page, title, roles, order), then the node's own,
 * which add to them or replace them; `null` drops one (the status node names a tool, not a page).
 */
function panelDefaults(roles, own) {
  var defaults = {
    name: { value: '' },
    page: { value: '', required: true, validate: RED.validators.regex(/^[a-z0-9][a-z0-9-]{0,63}$/) },
    title: { value: '' },
    roles: { value: roles, required: true },
    order: { value: 0, validate: RED.validators.number(true) },
  };
  Object.keys(own).forEach(function (key) {
    if (own[key] === null) delete defaults[key];
    else defaults[key] = own[key];
  });
  return defaults;
}
