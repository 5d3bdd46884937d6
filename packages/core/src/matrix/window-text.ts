// How a dataset's publication window reads to a person: "until 2024-03-30", "from 2023-05-18", "2023-05-18 … 2023-10-23";
// monthly windows by month ("until 2024-04"), since a monthly file is named by its month, not its first day.
import type { DatasetWindow } from "./schema.js";

export function windowText(partition: "daily" | "monthly", w: DatasetWindow | undefined): string | undefined {
  if (!w || (!w.from && !w.to)) return undefined;
  const at = (d: string) => (partition === "monthly" ? d.slice(0, 7) : d);
  if (w.from && w.to) return `${at(w.from)} … ${at(w.to)}`;
  return w.from ? `from ${at(w.from)}` : `until ${at(w.to!)}`;
}
