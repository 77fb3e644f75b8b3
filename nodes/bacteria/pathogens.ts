/**
 * Risk groups of organisms an identifying sampler (PCR, mass spectrometry) may report, from
 * Directive 2000/54/EC Annex III as amended by Commission Directive (EU) 2019/1833. Risk
 * groups 3 and 4 (severe disease, spreads to the community; no effective prophylaxis for 4)
 * raise an immediate P1. Sites add or correct entries in the node ("name:group" per line); the
 * message's own riskGroup wins over both.
 */

const TABLE: Array<[string, number]> = [
  // Risk group 3 bacteria.
  ['Bacillus anthracis', 3],
  ['Brucella abortus', 3],
  ['Brucella melitensis', 3],
  ['Brucella suis', 3],
  ['Brucella canis', 3],
  ['Burkholderia mallei', 3],
  ['Burkholderia pseudomallei', 3],
  ['Chlamydia psittaci', 3],
  ['Coxiella burnetii', 3],
  ['Francisella tularensis', 3],
  ['Mycobacterium tuberculosis', 3],
  ['Mycobacterium bovis', 3],
  ['Rickettsia prowazekii', 3],
  ['Rickettsia rickettsii', 3],
  ['Salmonella Typhi', 3],
  ['Shigella dysenteriae type 1', 3],
  ['Yersinia pestis', 3],
  // Risk group 4 (viruses, which biological air samplers also screen for).
  ['Variola virus', 4],
  ['Ebola virus', 4],
  ['Marburg virus', 4],
  ['Lassa virus', 4],
  ['Nipah virus', 4],
  ['Crimean-Congo haemorrhagic fever virus', 4],
  // Risk group 2: common in indoor air surveys; reported, never P1 on their own.
  ['Legionella pneumophila', 2],
  ['Staphylococcus aureus', 2],
  ['Streptococcus pneumoniae', 2],
  ['Aspergillus fumigatus', 2],
];

const key = (name: string) => name.trim().toLowerCase().replace(/\s+/g, ' ');

export class PathogenTable {
  private readonly groups = new Map<string, number>(TABLE.map(([n, g]) => [key(n), g]));

  /** "Name:group" lines (or commas) that add to or override the built-in table. */
  constructor(extra = '') {
    for (const line of extra.split(/[\n,]/).map((l) => l.trim()).filter(Boolean)) {
      const i = line.lastIndexOf(':');
      const group = Number(line.slice(i + 1));
      if (i <= 0 || !Number.isInteger(group) || group < 1 || group > 4) throw new Error(`pathogens: "${line}" must be name:riskGroup with a group from 1 to 4`);
      this.groups.set(key(line.slice(0, i)), group);
    }
  }

  /** The risk group of an organism, by its full name or its genus followed by "spp."; undefined when unknown. */
  riskGroup(name: string): number | undefined {
    const k = key(name);
    const direct = this.groups.get(k);
    if (direct !== undefined) return direct;
    const genus = k.split(' ')[0];
    let worst: number | undefined;
    if (k === genus || k === `${genus} spp.` || k === `${genus} sp.`) {
      for (const [n, g] of this.groups) if (n.startsWith(`${genus} `) && (worst === undefined || g > worst)) worst = g;
    }
    return worst;
  }
}
