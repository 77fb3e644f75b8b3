/**
 * Text folding and tokenising shared by the query matcher, the gazetteer and the scorers, so that
 * a query term, a place name and a lexicon entry meet a post's words in one form.
 */

/** Letters that Unicode does not decompose but that analysts type without their mark. */
const EXTRA_FOLDS: Record<string, string> = { ø: 'o', æ: 'ae', œ: 'oe', ß: 'ss', đ: 'd', ł: 'l', ı: 'i' };
const EXTRA_RE = /[øæœßđłı]/g;
const MARKS = /\p{M}+/gu;

/** Whether a text is all ASCII: then folding it is only lower-casing. */
export function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return false;
  return true;
}

/** Lower case without accents: "Città" → "citta", "Bjørvika" → "bjorvika", "ÅPEN" → "apen". */
export function fold(text: string): string {
  if (isAscii(text)) return text.toLowerCase();
  return text.toLowerCase().normalize('NFD').replace(MARKS, '').replace(EXTRA_RE, (c) => EXTRA_FOLDS[c]);
}

/** Apostrophes split words, so that Italian "l'aeroporto" holds "aeroporto". */
const WORD = /[\p{L}\p{N}]+/gu;

/** The folded words of a text, in order ("#Ironia, l'ANSA!" → ["ironia", "l", "ansa"]). */
export function words(text: string): string[] {
  return fold(text).match(WORD) ?? [];
}

/** Tags and entities out, whitespace collapsed: what a reader sees. */
export function plainText(html: string): string {
  return html
    .replace(/<(script|style)\b[^>]*>[\s\S]*?<\/\1>/gi, ' ')
    // Inline tags join what they wrap (Mastodon writes a hashtag as #<span>padova</span>); the others part words.
    .replace(/<\/?(?:a|abbr|b|code|em|i|s|small|span|strong|u)\b[^>]*>/gi, '')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi, (m, e: string) => {
      const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
      if (e[0] !== '#') return named[e.toLowerCase()] ?? m;
      const code = e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
}
