/* exported jsonArray */
/** The check of a field that holds a JSON array (routing rules, user mappings); empty reads as []. */
function jsonArray(v) {
  try {
    return Array.isArray(JSON.parse(v || '[]'));
  } catch {
    return false;
  }
}
