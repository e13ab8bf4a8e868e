/**
 * Test helper: a throwaway PKI made with `openssl` in a temp dir: a CA, server certificates it
 * signed (for `localhost`/127.0.0.1/::1, `sni.test`, `default.test`), and a second CA that
 * nothing trusts. Needs the `openssl` command (Debian package `openssl`).
 *
 * @module
 */

const dec = new TextDecoder();

/** Where `openssl` is, or `null`. */
export function opensslPath(): string | null {
  for (const d of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (d && Deno.statSync(`${d}/openssl`).isFile) return `${d}/openssl`;
    } catch { /* not here */ }
  }
  return null;
}

/** One certificate: its files and their PEM text. */
export interface Cert {
  certFile: string;
  keyFile: string;
  cert: string;
  key: string;
}

/** The PKI a test gets from {@linkcode makePki}. */
export interface Pki {
  dir: string;
  /** The CA the tests trust. */
  ca: Cert;
  /** Signed by `ca`, valid for `localhost`, 127.0.0.1 and ::1. */
  server: Cert;
  /** Signed by `ca`, valid for `sni.test` only. */
  sni: Cert;
  /** Signed by `ca`, valid for `default.test` only. */
  other: Cert;
  /** Valid for `localhost` but signed by a CA nobody trusts. */
  rogue: Cert;
  /** Remove the directory. */
  dispose(): void;
}

function openssl(args: string[], cwd: string): void {
  const out = new Deno.Command("openssl", { args, cwd, stdout: "piped", stderr: "piped" })
    .outputSync();
  if (!out.success) {
    throw new Error(`openssl ${args.join(" ")} failed: ${dec.decode(out.stderr)}`);
  }
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function read(dir: string, name: string): Cert {
  return {
    certFile: `${dir}/${name}.pem`,
    keyFile: `${dir}/${name}.key`,
    cert: Deno.readTextFileSync(`${dir}/${name}.pem`),
    key: Deno.readTextFileSync(`${dir}/${name}.key`),
  };
}

function makeCa(dir: string, name: string): void {
  openssl([
    "req",
    "-x509",
    ...EC,
    "-days",
    "2",
    "-subj",
    `/CN=sockkit test ${name}`,
    "-keyout",
    `${name}.key`,
    "-out",
    `${name}.pem`,
  ], dir);
}

function makeLeaf(dir: string, name: string, ca: string, san: string): void {
  openssl(
    ["req", ...EC, "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.csr`],
    dir,
  );
  Deno.writeTextFileSync(
    `${dir}/${name}.ext`,
    `subjectAltName=${san}\nbasicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth\n`,
  );
  openssl([
    "x509",
    "-req",
    "-in",
    `${name}.csr`,
    "-CA",
    `${ca}.pem`,
    "-CAkey",
    `${ca}.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    `${name}.ext`,
    "-out",
    `${name}.pem`,
  ], dir);
}

/**
 * Make the PKI (about 0.1 s).
 *
 * @returns The certificates; call `dispose()` when done.
 */
export function makePki(): Pki {
  const dir = Deno.makeTempDirSync({ prefix: "sockkit-tls-" });
  makeCa(dir, "ca");
  makeCa(dir, "rogueca");
  makeLeaf(dir, "server", "ca", "DNS:localhost,IP:127.0.0.1,IP:::1");
  makeLeaf(dir, "sni", "ca", "DNS:sni.test");
  makeLeaf(dir, "other", "ca", "DNS:default.test");
  makeLeaf(dir, "rogue", "rogueca", "DNS:localhost,IP:127.0.0.1");
  return {
    dir,
    ca: read(dir, "ca"),
    server: read(dir, "server"),
    sni: read(dir, "sni"),
    other: read(dir, "other"),
    rogue: read(dir, "rogue"),
    dispose: () => Deno.removeSync(dir, { recursive: true }),
  };
}
