/**
 * The seeds' own C programs, taken out of the seed text and made to compile with gcc on Linux.
 * Every edit is written here, in code, so that anyone can repeat it and see how small it is:
 *
 * - **003 (echo server and client, Linux C).** The blog page lost the header names (`#include`
 *   with nothing after it), the spaces in `#define QUEUE20`, and put `- ` before every line.
 *   The headers are restored as the usual POSIX set and the defines are split again. The client
 *   gets one fix: its receive buffer starts zeroed, because the seed prints the first reply
 *   from uninitialized memory (a bug the seed's notes name), and stack garbage is no behaviour
 *   to compare against.
 * - **000 (welcome and UDP programs, Winsock C).** The smallest POSIX edit of Winsock is one
 *   header, {@linkcode WINSOCK_ON_POSIX}, that takes the place of `winsock2.h`: `SOCKET` is an
 *   `int`, `closesocket` is `close`, `WSAStartup`/`WSACleanup` do nothing, and so on. The slide
 *   text splits each program over several code blocks and closes `main` early; the blocks are
 *   joined and a `}` that would end `main` before its last block is dropped. The UDP programs
 *   also need three edits that are no Winsock matter, each named in {@linkcode SEED_PROGRAMS}:
 *   the LAN address `192.168.132.128` becomes `127.0.0.1` (tests talk to loopback only), the
 *   misspelt `ilen` becomes `iLen`, and the server's reply moves inside its receive loop (the
 *   slides close the loop one block too early, so as printed it never answers).
 * - **Every program.** The fixed port (8887, 5000, 5050) becomes `SEED_PORT` from the
 *   environment, so that parallel tests do not collide, and stdout is unbuffered, so that a
 *   server stopped by a signal has printed everything (a pipe would otherwise hold it back).
 *
 * @module
 */

/** The file names of the seed documents this module reads. */
export const SEED_FILES = {
  lecture: "000_ff7d00aba5382459.txt",
  echo: "003_926556209876759f.txt",
} as const;

/** Code every program gets first: the port from `SEED_PORT`, unbuffered stdout. */
const PRELUDE = `#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <netdb.h>
static int seed_port(void) {
  const char *text = getenv("SEED_PORT");
  return text ? atoi(text) : 0;
}
#define SEED_PORT seed_port()
__attribute__((constructor)) static void seed_unbuffered_stdout(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
}
`;

/** The header that stands in for `winsock2.h`: Winsock's names, spelt with POSIX. */
export const WINSOCK_ON_POSIX = `typedef int SOCKET;
typedef struct { int unused; } WSADATA;
typedef struct sockaddr SOCKADDR;
typedef struct sockaddr sockaddr;
#define INVALID_SOCKET (-1)
#define SOCKET_ERROR (-1)
#define WINSOCK_VERSION 0x0202
#define MAKEWORD(low, high) ((low) | ((high) << 8))
#define WSAStartup(version, data) 0
#define WSACleanup() 0
#define WSAGetLastError() errno
#define closesocket close
`;

/** One seed program: where its text is and the edits that make it compile. */
export interface SeedProgram {
  /** Which seed document holds it. */
  seed: keyof typeof SEED_FILES;
  /** The heading (000) or the `int main` line (003) the program follows. */
  start: string;
  /** Where the program's text ends: the next heading, or a marker line. */
  end: string;
  /** The port literal the program hard-codes, replaced by `SEED_PORT`. */
  port: RegExp;
  /** Edits beyond Winsock and layout, each a [pattern, replacement, why] triple. */
  fixes: [RegExp, string, string][];
}

/** The five programs the interop test compiles. */
export const SEED_PROGRAMS = {
  echo_server: {
    seed: "echo",
    start: "- #include",
    end: "tcpcomm.rar",
    port: /(#define MYPORT )8887()/,
    fixes: [],
  },
  echo_client: {
    seed: "echo",
    start: "tcpcomm.rar",
    end: "\u0000",
    port: /(#define MYPORT )8887()/,
    fixes: [
      [
        /recvbuff\[BUFF_SIZE\];/,
        "recvbuff[BUFF_SIZE] = {0};",
        "the first reply is printed from a buffer never zeroed (the seed's own bug), so what " +
        "follows its newline is whatever the stack held",
      ],
    ],
  },
  tcp_welcome_server: {
    seed: "lecture",
    start: "# TCP服务器示例程序",
    end: "# TCP客户端程序",
    port: /(htons\()5000(\))/,
    fixes: [],
  },
  tcp_welcome_client: {
    seed: "lecture",
    start: "# TCP客户端程序",
    end: "# 运行结果截图",
    port: /(htons\()5000(\))/,
    fixes: [],
  },
  udp_server: {
    seed: "lecture",
    start: "# UDP服务器源代码",
    end: "# UDP客户端源代码",
    port: /(#define DEFAULT_PORT )5050()/,
    fixes: [
      [/192\.168\.132\.128/g, "127.0.0.1", "tests talk to loopback only"],
      [/\bilen\b/g, "iLen", "the slides misspell iLen"],
      [
        /(ntohs\(cli\.sin_port\)\);\n\s*\}\n)\}\n/,
        "$1",
        "the slides close the receive loop before the reply; the `}` after the reply is the loop's",
      ],
    ],
  },
  udp_client: {
    seed: "lecture",
    start: "# UDP客户端源代码",
    end: "服务器运行结果",
    port: /(#define Ser_PORT )5050()/,
    fixes: [
      [/192\.168\.132\.128/g, "127.0.0.1", "tests talk to loopback only"],
      [/\bilen\b/g, "iLen", "the slides misspell iLen"],
    ],
  },
} satisfies Record<string, SeedProgram>;

/** The name of one program in {@linkcode SEED_PROGRAMS}. */
export type SeedProgramName = keyof typeof SEED_PROGRAMS;

/** The copies of the two seed documents the programs come from, kept with the tests. */
export const VENDORED_SEEDS: string = new URL("./seeds/", import.meta.url).pathname;

/**
 * The project's own seed folder: `../shared/seeds/` from the repository root (a main checkout),
 * or one level further up (a worktree under `wt/`). Returns null when neither exists.
 */
export function sharedSeeds(): string | null {
  const root = new URL("../../", import.meta.url);
  for (const up of ["../shared/seeds/", "../../shared/seeds/"]) {
    const dir = new URL(up, root).pathname;
    try {
      Deno.statSync(`${dir}${SEED_FILES.echo}`);
      return dir;
    } catch { /* try the next */ }
  }
  return null;
}

/**
 * Find the seed folder: the shared one when this checkout sits beside it, else the copies in
 * `tests/interop/seeds/` (a clone on its own, as CI's). A test checks that the copies equal the
 * shared documents byte for byte wherever both exist. Returns null when neither exists.
 */
export function findSeeds(): string | null {
  const shared = sharedSeeds();
  if (shared !== null) return shared;
  try {
    Deno.statSync(`${VENDORED_SEEDS}${SEED_FILES.echo}`);
    return VENDORED_SEEDS;
  } catch {
    return null;
  }
}

/** The part of `text` from the line that starts with `start` up to (not including) `end`. */
function section(text: string, start: string, end: string): string[] {
  const lines = text.split("\n");
  const from = lines.findIndex((l) => l.startsWith(start));
  if (from < 0) throw new Error(`Cannot extract seed program: no line starts with ${start}`);
  let to = lines.findIndex((l, i) => i > from && l.startsWith(end));
  if (to < 0) to = lines.length;
  return lines.slice(from, to);
}

/** 003's layout: strip the `- ` bullets, restore the lost header names and define spacing. */
function fromBlogList(lines: string[]): string {
  const code = lines.filter((l) => l.startsWith("- ")).map((l) => l.slice(2));
  return code
    .filter((l) => l !== "#include") // the names were lost; PRELUDE has the POSIX set
    .map((l) => l.replace(/^#define ([A-Za-z_]+?)(\d+)$/, "#define $1 $2"))
    .join("\n");
}

/**
 * 000's layout: the code blocks between fences, plus the lines the slides left outside them
 * (`// step` comments and the bare `while( 1 )`). The header comment, whose prose lines the
 * page moved out of the code, is dropped up to its `*****\/` line, and `winsock2.h` becomes
 * {@linkcode WINSOCK_ON_POSIX}. {@linkcode balanceMain} runs after the fixes.
 */
function fromSlides(lines: string[]): string {
  const code: string[] = [];
  let fenced = false;
  for (const line of lines) {
    if (line.startsWith("```")) fenced = !fenced;
    else if (fenced || /^\s*(\/\/|while\s*\()/.test(line)) code.push(line);
  }
  const endOfHeader = code.findIndex((l) => l.trim() === "*****/");
  const body = code.slice(endOfHeader + 1)
    .map((l) => /^#include\s*[<"]winsock2\.h[>"]/i.test(l) ? WINSOCK_ON_POSIX : l)
    .filter((l) => !l.startsWith("#pragma comment"));
  return body.join("\n");
}

/**
 * Drop each `}` line that would close `main` while code still follows it (the slides end every
 * block with one), and any `}` beyond the last. Braces are counted per line, outside strings.
 */
function balanceMain(lines: string[]): string[] {
  const out: string[] = [];
  let depth = 0;
  const moreCode = (i: number) => lines.slice(i + 1).some((l) => /[^\s}]/.test(stripped(l)));
  lines.forEach((line, i) => {
    const s = stripped(line);
    const opens = (s.match(/\{/g) ?? []).length;
    const closes = (s.match(/\}/g) ?? []).length;
    if (opens === 0 && closes === 1 && s.trim() === "}" && depth === 1 && moreCode(i)) return;
    if (opens === 0 && closes === 1 && s.trim() === "}" && depth === 0) return;
    depth += opens - closes;
    out.push(line);
  });
  return out;
}

/** A line without its string literals and `//` comment. */
function stripped(line: string): string {
  return line.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""').replace(/\/\/.*$/, "");
}

/**
 * The C source of one seed program, edited as this module describes.
 *
 * @param seeds The seed folder ({@linkcode findSeeds}).
 * @param name The program.
 * @returns The C text, ready for gcc.
 */
export function seedProgramSource(seeds: string, name: SeedProgramName): string {
  const program: SeedProgram = SEED_PROGRAMS[name];
  const text = Deno.readTextFileSync(`${seeds}${SEED_FILES[program.seed]}`).replaceAll("\r", "");
  const lines = section(text, program.start, program.end);
  let code = program.seed === "echo" ? fromBlogList(lines) : fromSlides(lines);
  if (!program.port.test(code)) {
    throw new Error(`Cannot extract seed program ${name}: port literal ${program.port} not found`);
  }
  code = code.replace(program.port, "$1SEED_PORT$2");
  for (const [pattern, replacement, why] of program.fixes) {
    if (!pattern.test(code)) throw new Error(`Cannot apply seed fix to ${name}: ${why}`);
    pattern.lastIndex = 0;
    code = code.replace(pattern, replacement);
  }
  if (program.seed === "lecture") code = balanceMain(code.split("\n")).join("\n");
  return `${PRELUDE}${code}\n`;
}

/**
 * Compile one seed program with gcc into `dir`.
 *
 * @returns The path of the executable.
 * @throws {Error} with gcc's messages when it does not compile.
 */
export async function compileSeedProgram(
  seeds: string,
  name: SeedProgramName,
  dir: string,
): Promise<string> {
  const source = `${dir}/${name}.c`;
  const binary = `${dir}/${name}`;
  await Deno.writeTextFile(source, seedProgramSource(seeds, name));
  // -w: the seeds' own warnings (void main, int* for socklen_t*) are theirs, not errors.
  const out = await new Deno.Command("gcc", {
    args: ["-w", "-O0", "-o", binary, source],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(
      `Cannot compile seed program ${name}:\n${new TextDecoder().decode(out.stderr)}`,
    );
  }
  return binary;
}
