/**
 * Optional enrichment from local files: FIRST's EPSS scores (the daily CSV,
 * `epss_scores-YYYY-MM-DD.csv`) and CISA's Known Exploited Vulnerabilities catalogue (its JSON
 * feed). Read once at deploy; looked up by CVE id.
 *
 * The EPSS file is three columns of a CVE id and two numbers, no quoting: each line is checked
 * field by field here, which says more about a bad line than a general CSV parser would. The KEV
 * catalogue is a few MB of JSON and is read whole.
 */
import * as fs from 'node:fs';
import * as readline from 'node:readline';

export interface Epss {
  /** Probability of exploitation activity in the next 30 days, 0–1. */
  epss: number;
  percentile: number;
}

export interface Kev {
  dateAdded: string;
  name?: string;
  ransomware?: boolean;
  dueDate?: string;
}

export interface Enrichment {
  epss: Map<string, Epss>;
  kev: Map<string, Kev>;
  /** The EPSS model and date, from the file's comment line. */
  epssVersion?: string;
}

const CVE = /^CVE-\d{4}-\d{4,}$/;
/** Lines in an EPSS file at most: about 300,000 CVEs are scored today. */
const MAX_EPSS = 2_000_000;

export async function loadEpss(file: string): Promise<{ scores: Map<string, Epss>; version?: string }> {
  const scores = new Map<string, Epss>();
  let version: string | undefined;
  let n = 0;
  const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
  for await (const raw of lines) {
    n++;
    const line = raw.trim();
    if (!line) continue;
    if (line.startsWith('#')) {
      version ??= line.slice(1).trim();
      continue;
    }
    if (/^cve,epss,percentile$/i.test(line)) continue;
    if (n > MAX_EPSS) throw new Error(`${file}: more than ${MAX_EPSS} lines`);
    const [cve, e, p, extra] = line.split(',');
    const epss = Number(e);
    const percentile = Number(p);
    if (extra !== undefined || !CVE.test(cve) || !(epss >= 0 && epss <= 1) || !(percentile >= 0 && percentile <= 1)) {
      lines.close();
      throw new Error(`${file}:${n}: expected 'CVE-id,epss,percentile' with numbers from 0 to 1, found '${line.slice(0, 80)}'`);
    }
    scores.set(cve, { epss, percentile });
  }
  return { scores, ...(version ? { version } : {}) };
}

export function loadKev(file: string): Map<string, Kev> {
  let doc: unknown;
  try {
    doc = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file}: not the KEV catalogue's JSON: ${(err as Error).message}`);
  }
  const list = (doc as { vulnerabilities?: unknown })?.vulnerabilities;
  if (!Array.isArray(list)) throw new Error(`${file}: no 'vulnerabilities' array (the KEV catalogue's JSON feed)`);
  const kev = new Map<string, Kev>();
  list.forEach((v: Record<string, unknown>, i) => {
    const cve = typeof v?.cveID === 'string' ? v.cveID.toUpperCase() : '';
    if (!CVE.test(cve) || typeof v.dateAdded !== 'string') throw new Error(`${file}: vulnerabilities[${i}] has no cveID or dateAdded`);
    kev.set(cve, {
      dateAdded: v.dateAdded,
      ...(typeof v.vulnerabilityName === 'string' ? { name: v.vulnerabilityName } : {}),
      ...(typeof v.knownRansomwareCampaignUse === 'string' ? { ransomware: v.knownRansomwareCampaignUse === 'Known' } : {}),
      ...(typeof v.dueDate === 'string' ? { dueDate: v.dueDate } : {}),
    });
  });
  return kev;
}

export async function loadEnrichment(files: { epss?: string; kev?: string }): Promise<Enrichment> {
  const out: Enrichment = { epss: new Map(), kev: new Map() };
  if (files.epss) {
    const { scores, version } = await loadEpss(files.epss);
    out.epss = scores;
    if (version) out.epssVersion = version;
  }
  if (files.kev) out.kev = loadKev(files.kev);
  return out;
}
