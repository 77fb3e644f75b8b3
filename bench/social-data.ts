/**
 * The labelled set of the social bench, generated from templates (docs/social.md, "The labelled
 * set"). Eight kinds of post per language, 60 each (480 per language): the six core kinds —
 * threats, ironic complaints, sincere positive, sincere negative, neutral, and benign posts that
 * use violent words ("the band killed it") — and two kinds for the offence label: offensive posts
 * (insults and name-calling aimed at a person or group, no slurs) and harsh complaints (strong
 * negative sentiment at a thing or situation, not at a person: the offence label's hard
 * negatives, beside the threats, which are not offensive either). Each kind has two template
 * families: A for looking at while developing, B held out (never looked at when the cues were
 * written or changed, never seen in training), with its own wording (and, for offence, insults A
 * never uses).
 *
 * Balance: per language and family, 30 posts of each kind. Sentiment, irony and threat are
 * measured on the six core kinds only, generated exactly as before (same seed, same order), so
 * their figures stay comparable with earlier runs: threat and irony 1 in 6, sentiment negative
 * 3 in 6. Offence is measured on all eight kinds: 1 in 8 positive; its negatives include 60
 * threats, 60 sincere negative posts ("pathetic service") and 60 harsh complaints per language.
 * The offence kinds are drawn from their own random stream after the core kinds.
 */
import { Rng } from './random';

export type Kind = 'threat' | 'irony' | 'positive' | 'negative' | 'neutral' | 'benign-violent' | 'offence' | 'harsh';
/** The kinds that sentiment, irony and threat are measured on (the set before the offence label). */
export const CORE_KINDS: readonly Kind[] = ['threat', 'irony', 'positive', 'negative', 'neutral', 'benign-violent'];
export interface LabelledPost {
  text: string;
  lang: 'en' | 'it' | 'no';
  kind: Kind;
  sentiment: 'positive' | 'negative' | 'neutral';
  ironic: boolean;
  threat: boolean;
  /** Abusive or insulting language aimed at a person or group. */
  offence: boolean;
  heldOut: boolean;
}

type Slots = Record<string, string[]>;
interface LangSet {
  slots: Slots;
  templates: Record<Kind, { A: string[]; B: string[] }>;
}

const SETS: Record<'en' | 'it' | 'no', LangSet> = {
  en: {
    slots: {
      place: ['the central station', 'the main square', 'city hall', 'the metro', 'the stadium', 'the market'],
      time: ['tonight', 'tomorrow at 8', 'on Saturday', 'this weekend', 'at noon'],
      weapon: ['a gun', 'a knife', 'my rifle', 'a molotov', 'explosives'],
      pos: ['great', 'wonderful', 'lovely', 'amazing', 'fantastic'],
      neg: ['terrible', 'awful', 'horrible', 'disgusting', 'pathetic'],
      trouble: ['stuck in traffic for two hours', 'the train is late again', 'another strike on the metro', 'rain all week', 'the queue at the station never ends'],
      marker: ['#not', '🙄', 'yeah right', '#sarcasm', 'just what I needed'],
      insult: ['idiots', 'scum', 'pathetic clowns', 'brainless fools', 'parasites'],
      insultB: ['morons', 'imbeciles', 'losers', 'worthless clowns'],
      target: ['the councillors', 'the ticket inspectors', 'the city planners', 'the fans from the north', 'the politicians in this city'],
    },
    templates: {
      threat: {
        A: ['I will bring {weapon} to {place} {time} and kill them all', 'We are going to burn {place} {time}, bring {weapon}', 'Someone should shoot the mayor at {place}'],
        B: ['Gonna blow up {place} {time}, they deserve it', 'Everyone to {place} {time}, come armed with {weapon} and attack the police', 'I swear I will stab anyone near {place} {time}'],
      },
      irony: {
        A: ['Oh {pos}, {trouble} {marker}', '{pos} day, {trouble}. Thanks a lot {marker}'],
        B: ['Just {pos}: {trouble} {marker}', 'Love it when {trouble} {marker}'],
      },
      positive: {
        A: ['What a {pos} evening at {place}, thank you all', 'The new park near {place} is {pos}'],
        B: ['Really {pos} concert at {place} {time}!', 'So happy with the {pos} service at {place} today'],
      },
      negative: {
        A: ['The cleaning at {place} is {neg}, nobody cares', '{neg} service at {place} again, I am angry'],
        B: ['Such a {neg} mess at {place}, shameful', 'I hate how {neg} {place} has become'],
      },
      neutral: {
        A: ['The market at {place} opens {time}', 'Bus 12 now stops at {place}'],
        B: ['Roadworks near {place} start {time}', 'The council meets at {place} {time}'],
      },
      'benign-violent': {
        A: ['The band killed it at {place} {time}, {pos} show', 'This new burger place near {place} is the bomb'],
        B: ['Our team will attack the title race {time} at {place}', 'Shooting photos of {place} {time}, {pos} light'],
      },
      offence: {
        A: ['{target} are {insult}, every single one of them', 'Only {insult} like {target} could ruin {place} like this', 'Shut up, you {insult}'],
        B: ['What a bunch of {insultB} {target} are', 'Honestly {target} are the dumbest {insultB} alive', 'Nobody asked you, {insult}, go back under your rock'],
      },
      harsh: {
        A: ['Absolutely furious: {trouble}, this is unacceptable', 'The state of {place} is {neg} and it makes me sick'],
        B: ['I am so angry, {trouble} and nobody explains why', 'Worst week ever at {place}, {neg} from start to finish'],
      },
    },
  },
  it: {
    slots: {
      place: ['la stazione centrale', 'piazza dei Signori', 'il comune', 'la metro', 'lo stadio', 'il mercato'],
      time: ['stasera', 'domani alle 8', 'sabato', 'questo fine settimana', 'a mezzogiorno'],
      weapon: ['la pistola', 'un coltello', 'il fucile', 'una molotov', "l'esplosivo"],
      pos: ['bello', 'fantastico', 'stupendo', 'meraviglioso', 'ottimo'],
      neg: ['orribile', 'terribile', 'schifoso', 'pessimo', 'vergognoso'],
      trouble: ['due ore nel traffico', 'il treno è di nuovo in ritardo', 'un altro sciopero della metro', 'piove da una settimana', 'la coda in stazione non finisce mai'],
      marker: ['#ironia', '🙄', 'grazie tante', '#sarcasmo', 'proprio quello che mi serviva'],
      insult: ['idioti', 'feccia', 'pagliacci', 'incapaci', 'parassiti'],
      insultB: ['imbecilli', 'cretini', 'buffoni', 'deficienti'],
      target: ['i consiglieri', 'i controllori', 'gli urbanisti', 'i tifosi del nord', 'i politici di questa città'],
    },
    templates: {
      threat: {
        A: ['Porto {weapon} a {place} {time} e li ammazzo tutti', 'Bruciamo {place} {time}, portate {weapon}', 'Qualcuno dovrebbe sparare al sindaco in {place}'],
        B: ['Facciamo saltare {place} {time}, se lo meritano', 'Tutti a {place} {time}, venite armati con {weapon} e attacchiamo la polizia', 'Giuro che accoltello chiunque vicino a {place} {time}'],
      },
      irony: {
        A: ['Che {pos}, {trouble} {marker}', 'Giornata {pos}, {trouble}. Complimenti {marker}'],
        B: ['Davvero {pos}: {trouble} {marker}', 'Adoro quando {trouble} {marker}'],
      },
      positive: {
        A: ['Serata {pos} a {place}, grazie a tutti', 'Il nuovo parco vicino a {place} è {pos}'],
        B: ['Concerto davvero {pos} a {place} {time}!', 'Molto contento del servizio {pos} a {place} oggi'],
      },
      negative: {
        A: ['La pulizia di {place} è {neg}, a nessuno importa', 'Servizio {neg} a {place} di nuovo, sono arrabbiato'],
        B: ['Che disastro {neg} a {place}, vergogna', 'Odio quanto è diventata {neg} {place}'],
      },
      neutral: {
        A: ['Il mercato di {place} apre {time}', "L'autobus 12 ora ferma a {place}"],
        B: ['I lavori vicino a {place} iniziano {time}', 'Il consiglio si riunisce a {place} {time}'],
      },
      'benign-violent': {
        A: ['La band ha spaccato a {place} {time}, concerto {pos}', 'Questa pizzeria vicino a {place} è una bomba'],
        B: ['La nostra squadra attacca il campionato {time} a {place}', 'Scatto foto di {place} {time}, luce {pos}'],
      },
      offence: {
        A: ['{target} sono {insult}, tutti quanti', 'Solo {insult} come {target} potevano rovinare {place} così', 'Statevi zitti, {insult}'],
        B: ['Che branco di {insultB} sono {target}', 'Sinceramente {target} sono i più grandi {insultB} del mondo', 'Nessuno vi ha chiesto niente, {insult}, tornate sotto il vostro sasso'],
      },
      harsh: {
        A: ['Sono furioso: {trouble}, è inaccettabile', 'Lo stato di {place} è {neg} e mi fa star male'],
        B: ['Sono arrabbiatissimo, {trouble} e nessuno spiega perché', "Settimana peggiore di sempre a {place}, {neg} dall'inizio alla fine"],
      },
    },
  },
  no: {
    slots: {
      place: ['Oslo S', 'Jernbanetorget', 'rådhuset', 't-banen', 'stadion', 'torget'],
      time: ['i kveld', 'i morgen kl 8', 'på lørdag', 'denne helgen', 'klokka tolv'],
      weapon: ['en pistol', 'en kniv', 'geværet mitt', 'en molotov', 'sprengstoff'],
      pos: ['flott', 'fantastisk', 'herlig', 'nydelig', 'strålende'],
      neg: ['forferdelig', 'elendig', 'grusom', 'ekkel', 'fryktelig'],
      trouble: ['to timer i kø', 'toget er forsinket igjen', 'enda en streik på t-banen', 'regn hele uka', 'køen på stasjonen tar aldri slutt'],
      marker: ['#ironi', '🙄', 'takk for det', '#sarkasme', 'akkurat det jeg trengte'],
      insult: ['idioter', 'avskum', 'klovner', 'dust', 'parasitter'],
      insultB: ['tullinger', 'tosker', 'kjøtthuer', 'tapere'],
      target: ['bystyrepolitikerne', 'billettkontrollørene', 'byplanleggerne', 'supporterne fra nord', 'politikerne i denne byen'],
    },
    templates: {
      threat: {
        A: ['Jeg tar med {weapon} til {place} {time} og dreper dem alle', 'Vi skal brenne {place} {time}, ta med {weapon}', 'Noen burde skyte ordføreren på {place}'],
        B: ['Vi skal sprenge {place} {time}, de fortjener det', 'Alle møter på {place} {time}, kom bevæpnet med {weapon} og angrip politiet', 'Jeg sverger at jeg knivstikker alle ved {place} {time}'],
      },
      irony: {
        A: ['Så {pos}, {trouble} {marker}', '{pos} dag, {trouble}. Tusen takk {marker}'],
        B: ['Helt {pos}: {trouble} {marker}', 'Elsker når {trouble} {marker}'],
      },
      positive: {
        A: ['For en {pos} kveld på {place}, takk alle sammen', 'Den nye parken ved {place} er {pos}'],
        B: ['Virkelig {pos} konsert på {place} {time}!', 'Så glad for den {pos} servicen på {place} i dag'],
      },
      negative: {
        A: ['Renholdet på {place} er {neg}, ingen bryr seg', '{neg} service på {place} igjen, jeg er sint'],
        B: ['For et {neg} rot på {place}, skam', 'Jeg hater hvor {neg} {place} har blitt'],
      },
      neutral: {
        A: ['Markedet på {place} åpner {time}', 'Buss 12 stopper nå ved {place}'],
        B: ['Veiarbeidet ved {place} starter {time}', 'Bystyret møtes på {place} {time}'],
      },
      'benign-violent': {
        A: ['Bandet knuste det på {place} {time}, {pos} show', 'Den nye burgerplassen ved {place} er bombe bra'],
        B: ['Laget vårt angriper serien {time} på {place}', 'Skyter bilder av {place} {time}, {pos} lys'],
      },
      offence: {
        A: ['{target} er {insult}, hver eneste en', 'Bare {insult} som {target} kan ødelegge {place} sånn', 'Hold kjeft, dere {insult}'],
        B: ['For en gjeng med {insultB} {target} er', 'Ærlig talt er {target} de dummeste {insultB} som finnes', 'Ingen spurte dere, {insult}, kryp tilbake under steinen deres'],
      },
      harsh: {
        A: ['Kjempesint: {trouble}, dette er uakseptabelt', 'Tilstanden på {place} er {neg} og jeg blir kvalm'],
        B: ['Jeg er så sint, {trouble} og ingen forklarer hvorfor', 'Verste uka noensinne på {place}, {neg} fra start til slutt'],
      },
    },
  },
};

const LABELS: Record<Kind, Pick<LabelledPost, 'sentiment' | 'ironic' | 'threat' | 'offence'>> = {
  threat: { sentiment: 'negative', ironic: false, threat: true, offence: false },
  irony: { sentiment: 'negative', ironic: true, threat: false, offence: false },
  positive: { sentiment: 'positive', ironic: false, threat: false, offence: false },
  negative: { sentiment: 'negative', ironic: false, threat: false, offence: false },
  neutral: { sentiment: 'neutral', ironic: false, threat: false, offence: false },
  'benign-violent': { sentiment: 'positive', ironic: false, threat: false, offence: false },
  offence: { sentiment: 'negative', ironic: false, threat: false, offence: true },
  harsh: { sentiment: 'negative', ironic: false, threat: false, offence: false },
};

export const PER_KIND = 60;

/** The insults the tuning family (A) of the offence kind uses, per language (family B adds its own). */
export function tuningInsults(lang: 'en' | 'it' | 'no'): string[] {
  return SETS[lang].slots.insult;
}

/**
 * The set: 480 posts per language, 8 kinds × 60, half from each template family (A, B held out).
 * The core kinds come first, drawn as before the offence kinds existed; then the offence kinds,
 * from a random stream of their own.
 */
export function labelledSet(seed = 1515): LabelledPost[] {
  return [...generate(new Rng(seed), CORE_KINDS), ...generate(new Rng(seed ^ 0x0ffe), ['offence', 'harsh'])];
}

function generate(rng: Rng, kinds: readonly Kind[]): LabelledPost[] {
  const out: LabelledPost[] = [];
  for (const lang of ['en', 'it', 'no'] as const) {
    const set = SETS[lang];
    for (const kind of kinds) {
      for (let i = 0; i < PER_KIND; i++) {
        const heldOut = i >= PER_KIND / 2;
        const family = set.templates[kind][heldOut ? 'B' : 'A'];
        let text = family[rng.int(family.length)].replace(/\{(\w+)\}/g, (_, slot: string) => set.slots[slot][rng.int(set.slots[slot].length)]);
        text = text.charAt(0).toUpperCase() + text.slice(1);
        out.push({ text, lang, kind, ...LABELS[kind], heldOut });
      }
    }
  }
  return out;
}
