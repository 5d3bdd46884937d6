// The s5cmd command line shared by listing and fetching: global flags, endpoint, extra args, environment.
// Credentials never go on the command line (anyone on the machine can read it with `ps`): s5cmd gets them in its
// environment, and the endpoint without them.
import type { UrlCredentials } from "@crypto-lakehouse/core";
import type { ResolvedS5cmdSettings } from "./options.js";
import { hasFlag } from "./options.js";

export interface Invocation {
  binary: string;
  /** `endpoint` is without user-info: credentials are in `credentials`. */
  settings: ResolvedS5cmdSettings;
  /** From the endpoint's `user:password@`: requests are signed with them (access key id, secret key). */
  credentials?: UrlCredentials | undefined;
}

/**
 * `--json [--no-sign-request] --numworkers N [--endpoint-url URL] [--retry-count 0] [extra args…]`; requests are
 * unsigned (the archive is anonymous) unless the endpoint carried credentials.
 * Retries are ours (a retry round per failed file, with backoff), so s5cmd's own are off unless the
 * user's s5cmd_extra_args set `--retry-count`.
 */
export function globalArgs(inv: Invocation, numworkers: number): string[] {
  const s = inv.settings;
  const args = [
    "--json",
    ...(inv.credentials ? [] : ["--no-sign-request"]),
    "--numworkers",
    String(numworkers),
  ];
  if (s.endpoint) args.push("--endpoint-url", s.endpoint);
  if (!hasFlag(s.extraArgs, "retry-count", "r")) args.push("--retry-count", "0");
  args.push(...s.extraArgs);
  return args;
}

/** AWS_REGION spares s5cmd a bucket-region lookup per process; no instance-metadata probing. */
export function s5cmdEnv(inv: Invocation): Record<string, string> {
  const env: Record<string, string> = { AWS_REGION: inv.settings.region, AWS_EC2_METADATA_DISABLED: "true" };
  if (inv.credentials) {
    env.AWS_ACCESS_KEY_ID = inv.credentials.username;
    env.AWS_SECRET_ACCESS_KEY = inv.credentials.password;
    // A session token or profile of our own environment belongs to other keys.
    env.AWS_SESSION_TOKEN = "";
    env.AWS_PROFILE = "";
  }
  return env;
}

export function bucketUrl(inv: Invocation): string {
  return `s3://${inv.settings.bucket}/`;
}

/** Quotes one argument for s5cmd's command-file parser (POSIX shell words). */
export function shellQuote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** Where an endpoint came from, for messages. */
export function endpointName(inv: Invocation): string {
  return inv.settings.endpoint ?? `the AWS default endpoint for ${inv.settings.region}`;
}
