// Command-line pieces shared by the CLI end-to-end tests, so each test spells out only what differs.

/** What a run collects, one field per selection flag of `collect`, `plan` and `matrix`. */
export interface Selection {
  market: string;
  symbols: string;
  dataTypes: string;
  intervals?: string;
  partitions?: string;
  start?: string;
  end?: string;
}

/** `--market … --symbols … --data-types … [--intervals …] [--partitions …] [--start …] [--end …]` */
export function selection(s: Selection): string[] {
  const optional: [string, string | undefined][] = [
    ["--intervals", s.intervals],
    ["--partitions", s.partitions],
    ["--start", s.start],
    ["--end", s.end],
  ];
  return [
    "--market",
    s.market,
    "--symbols",
    s.symbols,
    "--data-types",
    s.dataTypes,
    ...optional.flatMap(([flag, value]) => (value === undefined ? [] : [flag, value])),
  ];
}
