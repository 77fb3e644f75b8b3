/** Command-line options of the benchmarks: `--name value`, `--name=value`, switches, `--help`. */

/**
 * Reads `argv` into name → value (true for a switch). `--help` or `-h` prints `usage` and exits;
 * an unknown name, a stray argument or a missing value throws with the usage.
 */
export function readFlags(argv: string[], usage: string, switches: readonly string[], values: readonly string[]): Map<string, string | true> {
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(usage);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}\n${usage}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (switches.includes(name)) flags.set(name, true);
    else if (!values.includes(name)) throw new Error(`unknown option --${name}\n${usage}`);
    else if (inline !== undefined) flags.set(name, inline);
    else if (i + 1 < argv.length) flags.set(name, argv[++i]);
    else throw new Error(`--${name} needs a value\n${usage}`);
  }
  return flags;
}
