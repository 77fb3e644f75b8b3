/* exported rolesInput, panelLabel */
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
